import HeraldCrypto
import HeraldPluginAPI

/// The `verp` keys of an email channel: the return-path pattern, the keys that sign its tokens, and how long a
/// send stays attributable (`bounce_window`). A key's version is its fingerprint (the first byte of its SHA-256),
/// so rotating needs no numbering: the new key goes in `verp_secret_file`, the old one in
/// `verp_previous_secret_file` until `bounce_window` has passed.
struct VERPSettings: Sendable {
    static let keys: Set<String> = [
        "verp", "verp_secret", "verp_secret_file", "verp_previous_secret", "verp_previous_secret_file", "bounce_window",
    ]
    static let windowRange: ClosedRange<Duration> = .seconds(60)...(.seconds(400 * 86_400))

    /// What comes before and after `{handle}` in the pattern.
    var prefix: String
    var suffix: String
    /// The signing key first, then a previous one still accepted.
    var keys: [(version: UInt8, key: [UInt8])]
    /// `bounce_window`, default 30 days: how long a send's record is kept; a bounce after it is unattributed.
    var window: Duration

    var version: UInt8 { keys[0].version }
    var signingKey: [UInt8] { keys[0].key }

    /// nil when `verp` is not set.
    init?(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        guard let pattern = try config.string("verp") else {
            for key in Self.keys.subtracting(["verp"]).sorted() where config.values[key] != nil {
                throw config.error(key, "needs verp, e.g. verp = \"bounces+{handle}@bounce.shop.example\"")
            }
            return nil
        }
        let example = "write e.g. verp = \"bounces+{handle}@bounce.shop.example\""
        let pieces = pattern.components(separatedBy: "{handle}")
        guard pieces.count == 2, let at = pieces[1].firstIndex(of: "@"), !pieces[1][at...].dropFirst().isEmpty else {
            throw config.error("verp", "\"\(pattern)\" must hold {handle} once, in the part before the @; \(example)")
        }
        prefix = pieces[0]
        suffix = pieces[1]
        let sample = prefix + String(repeating: "a", count: VERPToken.length) + suffix
        do {
            _ = try MailAddress(parsing: sample)
        } catch {
            throw config.error("verp", "\"\(pattern)\" does not make an address: \(error); \(example)")
        }
        let localLength = sample.utf8.split(separator: UInt8(ascii: "@"), maxSplits: 1).first?.count ?? 0
        guard localLength <= 64 else {
            throw config.error(
                "verp", "with its \(VERPToken.length)-character handle the local part is \(localLength) octets; RFC 5321 allows 64")
        }
        guard let current = try config.secret("verp_secret", context: context) else {
            throw config.error("verp_secret_file", "verp needs a secret to sign its handles: 32 or more random bytes in a file")
        }
        keys = [try Self.key(current, config, "verp_secret_file")]
        if let previous = try config.secret("verp_previous_secret", context: context) {
            keys.append(try Self.key(previous, config, "verp_previous_secret_file"))
        }
        window = try config.duration("bounce_window", default: .seconds(30 * 86_400), in: Self.windowRange)
    }

    private static func key(_ text: String, _ config: PluginConfig, _ name: String) throws(ConfigError) -> (version: UInt8, key: [UInt8]) {
        let key = Array(text.utf8)
        guard key.count >= 16 else {
            throw config.error(name, "the secret is \(key.count) bytes; use at least 16 (32 random bytes recommended)")
        }
        return (Digest.sha256(key)[0], key)
    }

    /// The return path for send `id`.
    func address(sendID: UInt64) -> String {
        prefix + token(sendID: sendID) + suffix
    }

    func token(sendID: UInt64) -> String {
        VERPToken(version: version, sendID: sendID).encoded(key: signingKey)
    }

    /// The send a token names, if it verifies.
    func sendID(token: String) -> UInt64? {
        VERPToken.decode(token, keys: keys)?.sendID
    }
}
