import HeraldCrypto
import HeraldPluginAPI

/// What a device in `to.push` must look like for its platform, checked at intake (the contract's `recipient`)
/// so a bad device is refused with its field named instead of failing at send time: an APNs token is hex, an FCM
/// token one printable word, a browser subscription an endpoint on an allowed push service with its two keys.
struct PushDeviceCheck: Sendable {
    static let platforms = ["apns", "fcm", "web"]
    var origins: WebPushOrigins

    func check(_ recipient: Recipient) -> (path: String, reason: String)? {
        for (index, device) in (recipient.push ?? []).enumerated() {
            if let (part, reason) = problem(device) { return (".push[\(index)]" + part, reason) }
        }
        return nil
    }

    func problem(_ device: PushDevice) -> (String, String)? {
        switch device.platform {
        case "apns":
            guard let token = device.token else { return (".token", "an apns device needs its token") }
            let hex = token.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
            guard hex, token.utf8.count.isMultiple(of: 2), (2...512).contains(token.utf8.count) else {
                return (".token", "an APNs device token is the hex string of its bytes")
            }
        case "fcm":
            guard let token = device.token else { return (".token", "an fcm device needs its registration token") }
            guard token.utf8.count <= 4096, token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                return (".token", "an FCM registration token is at most 4,096 printable ASCII characters")
            }
        case "web":
            guard let endpoint = device.endpoint else {
                return (".endpoint", "a web device is a browser PushSubscription: {endpoint, keys: {p256dh, auth}}")
            }
            guard origins.origin(of: endpoint) != nil else {
                return (
                    ".endpoint",
                    "is not an https:// URL on an allowed push service (webpush.allowed_origins: "
                        + origins.entries.joined(separator: ", ") + ")"
                )
            }
            guard let key = device.keys?["p256dh"].flatMap(Base64.decode), key.count == 65, key.first == 4 else {
                return (".keys.p256dh", "must be the subscription's P-256 public key: 65 bytes, base64url")
            }
            guard let auth = device.keys?["auth"].flatMap(Base64.decode), auth.count == 16 else {
                return (".keys.auth", "must be the subscription's 16-byte auth secret, base64url")
            }
        default:
            return (".platform", "\"\(device.platform)\" is not one of " + Self.platforms.joined(separator: ", "))
        }
        return nil
    }
}
