import HeraldPluginAPI
import HeraldTransport

/// One message as a hosted chat provider's API takes it: an operator's (admin's, page's) outgoing message in an
/// existing conversation. The text is the content's title, body (else text) and url, one per line.
enum ProviderRequest {
    static func text(_ content: RenderedContent) -> String {
        [content.title, content.body ?? content.text, content.url].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: "\n")
    }

    static func build(
        _ provider: LiveChatConfig.Provider, target: ChatTarget, text: String, settings: ProviderSettings,
        messagingType: (type: String, tag: String?)? = nil
    ) -> HTTPRequest {
        let path: String
        var body: [(String, JSONValue?)]
        switch provider {
        case .builtin, .chatwoot:
            path = "/api/v1/accounts/\(settings.account)/conversations/\(target.id)/messages"
            body = [("content", .string(text)), ("message_type", .string("outgoing")), ("private", .bool(false))]
        case .crisp:
            path = "/v1/website/\(settings.account)/conversation/\(target.id)/message"
            body = [("type", .string("text")), ("from", .string("operator")), ("origin", .string("chat")), ("content", .string(text))]
        case .intercom:
            path = "/conversations/\(target.id)/reply"
            body = [
                ("message_type", .string("comment")), ("type", .string("admin")),
                ("admin_id", settings.adminID.map(JSONValue.string)), ("body", .string(text)),
            ]
        case .messenger:
            path = "/\(settings.version)/\(settings.account)/messages"
            body = [
                ("recipient", .object(["id": .string(target.id)])),
                ("messaging_type", .string(messagingType?.type ?? "RESPONSE")),
                ("tag", messagingType?.tag.map(JSONValue.string)), ("message", .object(["text": .string(text)])),
            ]
        }
        var writer = JSONWriter(reservingCapacity: 256 + text.utf8.count)
        writer.object(body)
        return HTTPRequest(
            url: settings.url + path, headers: ["Content-Type: application/json", "User-Agent: Herald/1"] + settings.authorization,
            body: writer.bytes, timeout: settings.timeout, connectTimeout: settings.connectTimeout, caFile: settings.caFile,
            captureHeaders: ["retry-after"])
    }
}

/// Messenger's 24-hour rule: inside the window after the person last wrote, any message goes as `RESPONSE`;
/// outside it, only a non-marketing message, as `MESSAGE_TAG` with an allowed tag. Marketing outside the window is
/// not reachable here, decided before any request.
enum MessengerRequest {
    static let window: Int64 = 24 * 3_600_000
    static let tags: Set<String> = ["ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT"]

    static func messagingType(target: ChatTarget, marketing: Bool, defaultTag: String, now: Int64) -> (type: String, tag: String?)? {
        if let last = target.lastInboundAt, now - last < window { return ("RESPONSE", nil) }
        return marketing ? nil : ("MESSAGE_TAG", target.tag ?? defaultTag)
    }
}
