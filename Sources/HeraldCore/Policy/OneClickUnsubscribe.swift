import HeraldCrypto
import HeraldPluginAPI

/// RFC 8058 one-click unsubscribe, the daemon's side: a token from a List-Unsubscribe URL is verified against
/// the unsubscribe secrets of the configured email channels (each signs its own tokens) and its recipient is
/// suppressed for marketing. The HTTP endpoint calls this; it knows nothing of HTTP.
public struct OneClickUnsubscribe: Sendable {
    public struct Receipt: Sendable, Equatable {
        public var maskedRecipient: String
        public var campaign: String?
    }

    private let secrets: [[UInt8]]
    private let store: any SuppressionList

    public init(secrets: [[UInt8]], store: any SuppressionList) {
        self.secrets = secrets
        self.store = store
    }

    /// The unsubscribe secrets of every channel that has one (`unsubscribe_secret[_file]`), read the way the
    /// plugin reads them.
    public static func secrets(of config: HeraldConfig, credentialsDirectory: String?) throws(ConfigError) -> [[UInt8]] {
        var secrets: [[UInt8]] = []
        for channel in config.channels {
            let context = PluginContext(
                channel: channel.name, logger: .init(label: "herald.unsubscribe"), baseDirectory: config.baseDirectory,
                credentialsDirectory: credentialsDirectory)
            if let secret = try channel.pluginConfig.secret("unsubscribe_secret", context: context) {
                secrets.append(Array(secret.utf8))
            }
        }
        return secrets
    }

    /// Verifies without suppressing (a GET must never unsubscribe: link scanners prefetch).
    public func peek(token: String) -> Receipt? {
        claims(token).map { Receipt(maskedRecipient: RecipientMask.mask($0.recipient), campaign: $0.campaign) }
    }

    /// Verifies and suppresses; nil for a token none of the secrets made.
    public func unsubscribe(token: String, now: Int64) throws -> Receipt? {
        guard let claims = claims(token) else { return nil }
        let source = "one-click" + (claims.campaign.map { " (campaign \($0))" } ?? "")
        try store.add([.init(kind: claims.kind, address: claims.recipient, reason: .unsubscribed, source: source, createdAt: now)])
        return Receipt(maskedRecipient: RecipientMask.mask(claims.recipient), campaign: claims.campaign)
    }

    private func claims(_ token: String) -> UnsubscribeToken.Claims? {
        guard token.utf8.count <= 1000 else { return nil }
        for secret in secrets {
            if let claims = UnsubscribeToken.verify(token, secret: secret) { return claims }
        }
        return nil
    }
}
