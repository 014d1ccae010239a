import HeraldPluginAPI

/// `bounce_imap = { url, username, password_file, interval, ca_file }`: a mailbox Herald polls for bounces and
/// feedback reports, over IMAP (`imaps://host/MAILBOX`, or `imap://` with STARTTLS demanded) or POP3
/// (`pop3s://host`, or `pop3://` with STLS demanded). TLS is required, never skipped.
struct BounceMailboxSettings: Sendable {
    enum Kind: Sendable, Equatable {
        case imap, pop3
    }

    static let keys: Set<String> = ["url", "username", "password", "password_file", "interval", "ca_file", "timeout"]
    static let intervalRange: ClosedRange<Duration> = .seconds(1)...(.seconds(86_400))

    var kind: Kind
    /// `imaps://host:port/MAILBOX`, the mailbox named by its path (INBOX when the path is empty); `pop3s://host:port`.
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
        switch text.prefix { $0 != ":" } {
        case "imaps", "imap": kind = .imap
        case "pop3s", "pop3": kind = .pop3
        default:
            throw config.error(
                "url", "\"\(text)\" must start with imaps:// or pop3s:// (TLS), or imap:// or pop3:// (STARTTLS, required), e.g. \(example)")
        }
        let rest = text.drop { $0 != "/" }.dropFirst(2)
        let authority = rest.prefix { $0 != "/" }
        guard !authority.isEmpty, !authority.contains("@"), !text.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" || $0 == ";" })
        else {
            throw config.error("url", "\"\(text)\" must be imaps://host[:port]/MAILBOX with no credentials, e.g. \(example)")
        }
        let mailbox = rest.dropFirst(authority.count).drop { $0 == "/" }
        let base = text.prefix(text.count - rest.count) + authority
        if kind == .pop3 {
            guard mailbox.isEmpty else { throw config.error("url", "\"\(text)\": POP3 has one mailbox, write pop3s://host[:port]") }
            url = String(base)
        } else {
            url = base + "/" + (mailbox.isEmpty ? "INBOX" : mailbox)
        }
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
