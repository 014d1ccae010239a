import HeraldPluginAPI

/// A push channel's `webpush = { … }`: the VAPID key browsers subscribed with, the contact push services see, the
/// default TTL, and which push services endpoints may point at.
public struct WebPushSettings: Sendable, Equatable {
    static let keys: Set<String> = ["vapid_key_file", "vapid_subject", "ttl", "allowed_origins", "ca_file"]

    /// The VAPID private key (PEM, P-256), resolved.
    public var vapidKeyFile: String
    /// `mailto:…` or `https://…`: Apple's push service refuses any other form.
    public var vapidSubject: String
    /// RFC 8030 `TTL` for messages without `expires_at`; never zero by accident.
    public var ttl: Duration
    public var origins: WebPushOrigins
    public var caFile: String?

    init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        vapidKeyFile = context.resolve(path: try config.requiredString("vapid_key_file", example: "vapid.pem"))
        let subject = try config.requiredString("vapid_subject", example: "mailto:push@shop.example")
        guard Self.isContact(subject) else {
            throw config.error(
                "vapid_subject", "\"\(subject)\" must be mailto:name@domain or an https:// URL, with no spaces or brackets")
        }
        vapidSubject = subject
        ttl = try config.duration("ttl", default: .seconds(86_400), in: .seconds(1)...(.seconds(28 * 86_400)))
        let entries = try config.strings("allowed_origins") ?? WebPushOrigins.defaults
        do throws(OriginError) {
            origins = try WebPushOrigins(entries)
        } catch {
            throw config.error("allowed_origins", "\"\(error.entry)\" \(error.reason)")
        }
        caFile = try config.string("ca_file").map(context.resolve(path:))
    }

    static func isContact(_ text: String) -> Bool {
        let plain = !text.unicodeScalars.contains { $0.value <= 32 || $0 == "<" || $0 == ">" || $0.value == 127 }
        if text.hasPrefix("mailto:") {
            let address = text.dropFirst(7)
            guard let at = address.firstIndex(of: "@") else { return false }
            return plain && at != address.startIndex && address[address.index(after: at)...].contains(".")
        }
        return plain && text.hasPrefix("https://") && text.count > 8
    }
}
