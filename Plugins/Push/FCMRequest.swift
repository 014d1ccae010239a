import HeraldPluginAPI
import HeraldTransport

/// Builds one FCM HTTP v1 `messages:send` request per device (PROTOCOLS §3.1): the message JSON from the
/// notification, with each platform's block (android, apns, webpush) carrying priority, expiry and collapse key, and
/// absent parts left out. It checks FCM's 4,096-byte payload limit before anything is sent; it does not get the
/// access token (`GoogleTokenSource`) or read the answer (`FCMClassifier`).
struct FCMRequest: Sendable {
    /// FCM's limit for a message to a token, counted here over the serialised notification and data objects, which
    /// is more than FCM counts (keys and values only): a message that passes here is never refused for size.
    static let payloadLimit = 4096
    /// Android's and FCM's longest TTL, 28 days; a later `expires_at` is sent as this.
    static let maxTTLSeconds: Int64 = 28 * 86_400

    var url: String
    var projectID: String
    var timeout: Duration
    var connectTimeout: Duration
    var caFile: String?

    var endpoint: String { "\(url)/v1/projects/\(projectID)/messages:send" }

    /// The request body for one device, or the permanent outcome of a message FCM would refuse for its size.
    enum Body: Sendable, Equatable {
        case ready([UInt8])
        case refused(Outcome)
    }

    func body(_ item: PushItem, nowMillis: Int64) -> Body {
        let message = Self.message(token: item.device.token ?? "", item.notification, nowMillis: nowMillis)
        var counted = JSONWriter()
        counted.object([("notification", message["notification"]), ("data", message["data"])])
        guard counted.bytes.count <= Self.payloadLimit else {
            let reply = Reply(
                code: "payload_too_large",
                text: "the FCM payload (notification and data) is \(counted.bytes.count) bytes; FCM takes at most "
                    + "\(Self.payloadLimit): shorten the title, body or push.custom")
            return .refused(.permanent(reply: reply))
        }
        var writer = JSONWriter(reservingCapacity: counted.bytes.count + 512)
        writer.object([("message", .object(message))])
        return .ready(writer.bytes)
    }

    func request(body: [UInt8], accessToken: String) -> HTTPRequest {
        HTTPRequest(
            url: endpoint,
            headers: ["Authorization: Bearer \(accessToken)", "Content-Type: application/json; charset=UTF-8"],
            body: body, timeout: timeout, connectTimeout: connectTimeout, caFile: caFile, captureHeaders: [])
    }

    /// The `message` object's members. A background push has no notification block and normal priority.
    static func message(token: String, _ note: PushNotification, nowMillis: Int64) -> [String: JSONValue] {
        var message: [String: JSONValue] = ["token": .string(token)]
        if !note.contentAvailable {
            message["notification"] = object([
                ("title", note.title.map(JSONValue.string)), ("body", note.body.map(JSONValue.string)),
                ("image", note.image.map(JSONValue.string)),
            ])
        }
        var data = note.custom.mapValues(JSONValue.string)
        if let url = note.url { data["url"] = .string(url) }
        if !data.isEmpty { message["data"] = .object(data) }
        let ttl = note.expiresAt.map { ttlSeconds(expiresAt: $0, nowMillis: nowMillis) }
        message["android"] = object([
            ("priority", .string(note.high ? "HIGH" : "NORMAL")), ("ttl", ttl.map { .string("\($0)s") }),
            ("collapse_key", note.collapseID.map(JSONValue.string)),
        ])
        message["apns"] = apns(note)
        var link: JSONValue?
        if let url = note.url, url.hasPrefix("https://") { link = .object(["link": .string(url)]) }
        message["webpush"] = object([
            (
                "headers",
                object([("TTL", ttl.map { .string(String($0)) }), ("Urgency", .string(note.high ? "high" : "normal"))])
            ),
            ("fcm_options", link),
        ])
        return message
    }

    private static func apns(_ note: PushNotification) -> JSONValue? {
        // APNs wants priority 5 and push type background for a silent push; its expiration is epoch seconds.
        let headers = object([
            ("apns-priority", .string(note.high ? "10" : "5")),
            ("apns-push-type", .string(note.contentAvailable ? "background" : "alert")),
            ("apns-collapse-id", note.collapseID.map(JSONValue.string)),
            ("apns-expiration", note.expiresAt.map { .string(String(max(1, ($0 + 999) / 1000))) }),
        ])
        let aps = object([
            ("sound", note.sound.map(JSONValue.string)), ("badge", note.badge.map { .int(Int64($0)) }),
            ("thread-id", note.threadID.map(JSONValue.string)),
            ("content-available", note.contentAvailable ? .int(1) : nil),
        ])
        return object([("headers", headers), ("payload", aps.map { .object(["aps": $0]) })])
    }

    /// Whole seconds left until `expiresAt`, rounded up and at least 1: FCM reads "0s" as "now or never", which a
    /// message a moment from expiry must not turn into by rounding.
    static func ttlSeconds(expiresAt: Int64, nowMillis: Int64) -> Int64 {
        let left = expiresAt - nowMillis
        return min(maxTTLSeconds, max(1, (left + 999) / 1000))
    }

    /// An object of the members that are present, or nil when none is.
    private static func object(_ members: [(String, JSONValue?)]) -> JSONValue? {
        var object: [String: JSONValue] = [:]
        for (key, value) in members { if let value { object[key] = value } }
        return object.isEmpty ? nil : .object(object)
    }
}
