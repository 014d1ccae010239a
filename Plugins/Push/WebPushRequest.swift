import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// One browser subscription's push as an RFC 8030 POST (PROTOCOLS §4.1): `TTL`, `Urgency`, `Topic` when the
/// collapse id is a valid one, `Content-Encoding: aes128gcm`, the VAPID `Authorization`, and the RFC 8291 body
/// encrypted to the subscription's keys. A device it must not or cannot send to (an endpoint off the allowed push
/// services, a payload over the limit, keys that are not a P-256 point and 16 bytes) is refused before anything is
/// sent. It does not send, retry or classify answers.
struct WebPushRequest: Sendable {
    var settings: WebPushSettings
    var vapid: WebPushVAPID
    var timeout: Duration
    var connectTimeout: Duration

    /// Why a device is not sent to; each is `failed(.permanent)`, this message alone being wrong.
    struct Refusal: Error, Sendable, Equatable {
        var code: String
        var reason: String
        var result: DeviceResult { .failed(.permanent(reply: Reply(code: code, text: reason))) }
    }

    /// `now` in ms, for the TTL left before `expiresAt`.
    func build(_ item: PushItem, now: Int64) throws(Refusal) -> HTTPRequest {
        // Intake refuses such endpoints already; checked again so a stored message from before a config change
        // cannot make Herald POST (with its VAPID token) wherever it says.
        guard let endpoint = item.device.endpoint, let origin = settings.origins.origin(of: endpoint)
        else {
            throw Refusal(
                code: "endpoint",
                reason:
                    "the endpoint is not an https:// URL on an allowed push service (webpush.allowed_origins: "
                    + settings.origins.entries.joined(separator: ", ") + ")")
        }
        let payload = WebPushPayload.json(item.notification)
        if let reason = WebPushPayload.oversize(payload) {
            throw Refusal(code: CryptoError.Code.payloadTooLarge.rawValue, reason: reason)
        }
        guard let uaPublic = item.device.keys?["p256dh"].flatMap(Base64.decode),
            let authSecret = item.device.keys?["auth"].flatMap(Base64.decode)
        else {
            throw Refusal(
                code: "subscription", reason: "the subscription lacks base64url keys.p256dh and keys.auth")
        }
        let body: [UInt8]
        do {
            body = try WebPushCipher.encrypt(
                plaintext: payload, uaPublic: uaPublic, authSecret: authSecret)
        } catch {
            throw Refusal(code: error.code.rawValue, reason: error.message)
        }
        var headers = [
            "TTL: \(ttl(item.notification.expiresAt, now: now))",
            "Urgency: " + (item.notification.high ? "high" : "normal"),
        ]
        if let topic = item.notification.collapseID, Self.isTopic(topic) {
            headers.append("Topic: " + topic)
        }
        headers += [
            "Content-Encoding: aes128gcm", "Content-Type: application/octet-stream",
            "Authorization: " + vapid.authorization(origin: origin),
        ]
        return HTTPRequest(
            url: endpoint, method: "POST", headers: headers, body: body, timeout: timeout,
            connectTimeout: connectTimeout, caFile: settings.caFile, captureHeaders: ["location"])
    }

    /// Seconds until `expiresAt`, rounded up and at least 1 (0 would mean "now or never", which nobody asked
    /// for); the configured `ttl` without one. At most 2^31 − 1, the most RFC 8030 expects a service to honour.
    func ttl(_ expiresAt: Int64?, now: Int64) -> Int64 {
        let seconds: Int64
        if let expiresAt {
            let left = expiresAt - now
            seconds = left <= 0 ? 1 : (left + 999) / 1000
        } else {
            seconds = settings.ttl.components.seconds
        }
        return min(max(seconds, 1), Int64(Int32.max))
    }

    /// RFC 8030 §5.4: at most 32 characters of the base64url alphabet. An invalid Topic makes the service refuse
    /// the whole push (400), so a collapse id that is not one is left out rather than sent.
    static func isTopic(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0)
                    || $0 == 0x2D
                    || $0 == 0x5F
            }
    }
}
