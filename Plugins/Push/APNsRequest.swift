import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// One APNs request (PROTOCOLS §2.2): `POST /3/device/<token>` with the topic, push type, priority, expiration,
/// collapse id and a stable `apns-id`, and the `aps` payload with the app's custom keys, at most 4,096 bytes.
enum APNsRequest {
    static let payloadLimit = 4096

    enum Problem: Error, Equatable {
        case tooLarge(Int)
    }

    static func build(
        _ item: PushItem, token: String, settings: APNsSettings, authorization: String, timeout: Duration,
        connectTimeout: Duration
    ) throws(Problem) -> HTTPRequest {
        let notification = item.notification
        let background = notification.contentAvailable || settings.pushType == .background
        let body = payload(notification, background: background)
        guard body.count <= payloadLimit else { throw .tooLarge(body.count) }
        var headers = [
            authorization, "apns-topic: \(settings.topic)",
            "apns-push-type: \(background ? "background" : "alert")",
            // Background pushes must go at 5 ("Using priority 10 is an error").
            "apns-priority: \(background || !notification.high ? "5" : "10")",
            "apns-id: \(apnsID(item.delivery.id))", "content-type: application/json",
        ]
        if let expiresAt = notification.expiresAt { headers.append("apns-expiration: \(max(1, expiresAt / 1000))") }
        if let collapse = notification.collapseID { headers.append("apns-collapse-id: \(collapse)") }
        return HTTPRequest(
            url: settings.url + "/3/device/" + token, headers: headers, body: body, timeout: timeout,
            connectTimeout: connectTimeout, caFile: settings.caFile, captureHeaders: ["apns-id"])
    }

    /// `{"aps":{"alert":{"title","body"},"sound","badge","thread-id","mutable-content"|"content-available"},…}`.
    static func payload(_ notification: PushNotification, background: Bool) -> [UInt8] {
        var aps: [String: JSONValue] = [:]
        if background {
            aps["content-available"] = .int(1)
        } else {
            var alert: [String: JSONValue] = [:]
            alert["title"] = notification.title.map(JSONValue.string)
            alert["body"] = notification.body.map(JSONValue.string)
            if !alert.isEmpty { aps["alert"] = .object(alert) }
            aps["sound"] = notification.sound.map(JSONValue.string)
            // Lets a notification service extension fetch the image.
            if notification.image != nil { aps["mutable-content"] = .int(1) }
        }
        aps["badge"] = notification.badge.map { .int(Int64($0)) }
        aps["thread-id"] = notification.threadID.map(JSONValue.string)
        var members: [(String, JSONValue?)] = [("aps", .object(aps))]
        members.append(("url", notification.url.map(JSONValue.string)))
        members.append(("image", notification.image.map(JSONValue.string)))
        for key in notification.custom.keys.sorted() where key != "url" && key != "image" {
            members.append((key, notification.custom[key].map(JSONValue.string)))
        }
        var writer = JSONWriter(reservingCapacity: 256)
        writer.object(members)
        return writer.bytes
    }

    /// A UUID made from the message id, so every attempt of one message carries the same `apns-id`: APNs echoes
    /// it, and an operator can find the message by it. Lower-case 8-4-4-4-12 as APNs wants, version 8 (custom).
    static func apnsID(_ messageID: String) -> String {
        var bytes = Array(Digest.sha256(Array(messageID.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array(Hex.lowercase(bytes).utf8)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(decoding: hex[$0], as: UTF8.self) }
        return groups.joined(separator: "-")
    }
}

