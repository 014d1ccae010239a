import HeraldPluginAPI

/// `bounce_imap = { url, username, password_file, interval, ca_file }`: a mailbox Herald polls for bounces and
/// feedback reports. TLS is required: `imaps://` (implicit) or `imap://` (STARTTLS demanded, never skipped).
struct BounceIMAPSettings: Sendable {
    static let keys: Set<String> = ["url", "username", "password", "password_file", "interval", "ca_file", "timeout"]
    static let intervalRange: ClosedRange<Duration> = .seconds(1)...(.seconds(86_400))

    /// `imaps://host:port/MAILBOX`, the mailbox named by its path (INBOX when the path is empty).
    var url: String
    var username: String
    var password: String
    /// `interval`, 1s…1d, default 60s: between two polls.
    var interval: Duration
    var caFile: String?
    var timeout: Duration

    /// nil when `bounce_imap` is not set.
    init?(_ channel: PluginConfig, context: PluginContext, channelCAFile: String?) throws(ConfigError) {
        guard let config = try channel.table("bounce_imap") else { return nil }
        try config.rejectUnknownKeys(allowed: Self.keys)
        let example = "imaps://imap.shop.example/INBOX"
        let text = try config.requiredString("url", example: example)
        guard text.hasPrefix("imaps://") || text.hasPrefix("imap://") else {
            throw config.error("url", "\"\(text)\" must start with imaps:// (TLS) or imap:// (STARTTLS, required), e.g. \(example)")
        }
        let rest = text.drop { $0 != "/" }.dropFirst(2)
        let authority = rest.prefix { $0 != "/" }
        guard !authority.isEmpty, !authority.contains("@"), !text.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" || $0 == ";" })
        else {
            throw config.error("url", "\"\(text)\" must be imaps://host[:port]/MAILBOX with no credentials, e.g. \(example)")
        }
        let mailbox = rest.dropFirst(authority.count).drop { $0 == "/" }
        url = text.prefix(text.count - rest.count) + authority + "/" + (mailbox.isEmpty ? "INBOX" : mailbox)
        username = try config.requiredString("username", example: "bounces")
        guard let password = try config.secret("password", context: context) else {
            throw config.error("password_file", "the mailbox needs a password: password_file = \"imap-password\"")
        }
        self.password = password
        interval = try config.duration("interval", default: .seconds(60), in: Self.intervalRange)
        timeout = try config.duration("timeout", default: .seconds(60), in: .seconds(1)...(.seconds(600)))
        caFile = try config.string("ca_file").map(context.resolve(path:)) ?? channelCAFile
    }
}
