/// One message, rendered and ready for one channel: what `ChannelPlugin.deliver` receives. Plugins read it and
/// never change queue state; the core owns the message's life cycle.
public struct Delivery: Sendable {
    /// The message id: the idempotency key, identical across attempts.
    public var id: String
    /// 1 for the first try.
    public var attempt: Int
    /// The configured channel name (`[[channel]] name`).
    public var channel: String
    public var recipient: Recipient
    public var content: RenderedContent
    public var metadata: MessageMetadata
    /// The message's own fields for this plugin (`ChannelContract.fields`), as intake validated them.
    public var fields: [String: JSONValue]

    public init(
        id: String, attempt: Int, channel: String, recipient: Recipient, content: RenderedContent,
        metadata: MessageMetadata, fields: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.attempt = attempt
        self.channel = channel
        self.recipient = recipient
        self.content = content
        self.metadata = metadata
        self.fields = fields
    }
}

/// The parts of a message after templates ran. Every part is optional; each plugin says which it needs.
public struct RenderedContent: Sendable, Equatable, Codable {
    public var subject: String?
    public var text: String?
    public var html: String?
    public var title: String?
    public var body: String?
    public var url: String?

    public init(
        subject: String? = nil, text: String? = nil, html: String? = nil, title: String? = nil, body: String? = nil,
        url: String? = nil
    ) {
        self.subject = subject
        self.text = text
        self.html = html
        self.title = title
        self.body = body
        self.url = url
    }

    public static let partNames = ["subject", "text", "html", "title", "body", "url"]

    public subscript(part: String) -> String? {
        get {
            switch part {
            case "subject": subject
            case "text": text
            case "html": html
            case "title": title
            case "body": body
            case "url": url
            default: nil
            }
        }
        set {
            switch part {
            case "subject": subject = newValue
            case "text": text = newValue
            case "html": html = newValue
            case "title": title = newValue
            case "body": body = newValue
            case "url": url = newValue
            default: break
            }
        }
    }

    public var isEmpty: Bool { Self.partNames.allSatisfy { self[$0] == nil } }

    /// The parts that are set, as a JSON object.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [:]
        for part in Self.partNames { if let text = self[part] { object[part] = .string(text) } }
        return .object(object)
    }
}

/// What a message says about itself beyond its content, carried into every report and available to plugins.
public struct MessageMetadata: Sendable, Equatable {
    public var campaign: String?
    public var stage: String?
    public var trigger: String?
    public var category: String
    public var priority: String
    public var template: String?
    public var endpoint: String?
    public var headers: [String: String]
    public var data: JSONValue?
    /// `expires_at` (ms since the epoch): after it the core expires the message; providers with their own expiry
    /// (APNs `apns-expiration`, a push TTL) are told so they drop it too.
    public var expiresAt: Int64?

    public init(
        campaign: String? = nil, stage: String? = nil, trigger: String? = nil, category: String = "marketing",
        priority: String = "normal", template: String? = nil, endpoint: String? = nil, headers: [String: String] = [:],
        data: JSONValue? = nil, expiresAt: Int64? = nil
    ) {
        self.campaign = campaign
        self.stage = stage
        self.trigger = trigger
        self.category = category
        self.priority = priority
        self.template = template
        self.endpoint = endpoint
        self.headers = headers
        self.data = data
        self.expiresAt = expiresAt
    }
}
