import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// The `smtp` channel's keys, each read once here with its default and bounds (README.md has the table).
public struct EmailConfig: Sendable {
    static let keys: Set<String> = Set([
        "url", "starttls", "helo", "username", "password", "password_file", "auth", "from", "return_path", "reply_to",
        "message_id_domain", "timeout", "connect_timeout", "ca_file", "dkim", "unsubscribe_url", "unsubscribe_mailto",
        "unsubscribe_secret", "unsubscribe_secret_file", "bounce_maildir", "bounce_imap", "bounce_webhooks",
    ]).union(VERPSettings.keys)

    /// `smtp://host:port/helo` or `smtps://host:port/helo`, as libcurl takes it.
    public var url: String
    /// `smtp://host:port` or `smtps://host:port`: the relay as the config names it, for reports.
    public var server: String
    /// The relay's host is this machine's loopback interface (`LoopbackHost`): nobody on a network can strip
    /// STARTTLS or read a password there.
    public var loopback: Bool
    public var tls: SMTPRequest.TLS
    public var username: String?
    public var password: String?
    /// `AUTH=PLAIN` or `AUTH=LOGIN`; nil lets libcurl choose the strongest mechanism both sides offer.
    public var loginOptions: String?
    /// The `From:` header.
    var from: MailAddress
    /// The envelope sender (`MAIL FROM`): where bounces go. Defaults to the From address.
    public var returnPath: String
    var replyTo: MailAddress?
    /// The right-hand side of every `Message-ID`.
    public var messageIDDomain: String
    public var timeout: Duration
    public var connectTimeout: Duration
    public var caFile: String?
    /// One signature per configured key, in config order.
    public var signers: [DKIMSigner]
    public var unsubscribe: Unsubscribe?
    /// `verp`: the return path that carries a signed handle of each send, so its bounce can be attributed.
    var verp: VERPSettings?
    /// `bounce_maildir`: the Maildir the local MTA delivers bounces and feedback reports into.
    var bounceMaildir: String?
    /// `bounce_imap`: a mailbox polled for them, over IMAP or POP3.
    var bounceIMAP: BounceMailboxSettings?
    /// `bounce_webhooks`: providers that post bounce and complaint events to `/bounces/CHANNEL/PROVIDER`.
    var bounceWebhooks: BounceWebhookSettings?

    /// Where recipients unsubscribe (RFC 8058 one-click): `url/TOKEN` and optionally a mailto address.
    public struct Unsubscribe: Sendable {
        public var url: String
        public var mailto: String?
        public var secret: [UInt8]
    }

    public init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        from = try Self.address(config, "from", example: "Shop <news@shop.example>")
        returnPath = try config.string("return_path").map { text throws(ConfigError) in
            try Self.address(config, "return_path", example: "bounces@shop.example", text: text).address
        } ?? from.address
        replyTo = try config.string("reply_to").map { text throws(ConfigError) in
            try Self.address(config, "reply_to", example: "Support <help@shop.example>", text: text)
        }
        messageIDDomain = try config.string("message_id_domain") ?? from.domain
        let helo = try config.string("helo") ?? from.domain
        guard helo.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
            throw config.error("helo", "\"\(helo)\" is not a host name like mail.shop.example")
        }
        (server, loopback) = try Self.server(config)
        url = server + "/" + helo
        let implicitTLS = server.hasPrefix("smtps://")
        tls = try Self.tls(config, implicitTLS: implicitTLS)
        username = try config.string("username")
        password = try config.secret("password", context: context)
        if username != nil, password == nil { throw config.error("password_file", "username is set but no password_file (or password)") }
        // AUTH never goes out in clear except to loopback. "opportunistic" falls back to clear text when the
        // server offers no STARTTLS, and an attacker on the path can strip the offer, so with a password it is
        // refused too (like Postfix's default smtp_sasl_security_options = noplaintext; README.md).
        if username != nil, tls != .required, !loopback {
            throw config.error(
                "starttls",
                "\"\(tls == .none ? "none" : "opportunistic")\" could send the password in clear to a remote server "
                    + "(a STARTTLS offer can be stripped); use \"required\", or smtps://")
        }
        switch try config.string("auth") ?? "auto" {
        case "auto": loginOptions = nil
        case "plain", "PLAIN": loginOptions = "AUTH=PLAIN"
        case "login", "LOGIN": loginOptions = "AUTH=LOGIN"
        case let other: throw config.error("auth", "\"\(other)\" is not one of auto, plain, login")
        }
        timeout = try config.duration("timeout", default: .seconds(60), in: .seconds(1)...(.seconds(600)))
        connectTimeout = try config.duration("connect_timeout", default: .seconds(10), in: .milliseconds(100)...(.seconds(120)))
        caFile = try config.string("ca_file").map(context.resolve(path:))
        signers = try DKIMSettings.signers(config, context: context)
        unsubscribe = try Self.unsubscribe(config, context: context)
        verp = try VERPSettings(config, context: context)
        if verp != nil, config.values["return_path"] != nil {
            throw config.error("return_path", "verp sets the return path of every message; leave return_path out")
        }
        bounceMaildir = try config.string("bounce_maildir").map(context.resolve(path:))
        bounceIMAP = try BounceMailboxSettings(config, context: context, channelCAFile: caFile)
        bounceWebhooks = try BounceWebhookSettings(config: config, context: context)
        for (key, set) in [("bounce_maildir", bounceMaildir != nil), ("bounce_imap", bounceIMAP != nil)] where set && verp == nil {
            throw config.error(
                key, "needs verp (bounces are attributed by the VERP handle), e.g. verp = \"bounces+{handle}@bounce.shop.example\"")
        }
        if unsubscribe == nil {
            context.logger.warning(
                "channel \(context.channel): no unsubscribe_url; marketing mail goes out without List-Unsubscribe, which Gmail and Yahoo require of bulk senders")
        }
    }

    private static func address(_ config: PluginConfig, _ key: String, example: String, text: String? = nil) throws(ConfigError) -> MailAddress {
        var value = text ?? ""
        if text == nil { value = try config.requiredString(key, example: example) }
        do {
            return try MailAddress(parsing: value)
        } catch {
            throw config.error(key, "\(error); write e.g. \(key) = \"\(example)\"")
        }
    }

    /// The URL's scheme, host and port; whether the host is loopback.
    private static func server(_ config: PluginConfig) throws(ConfigError) -> (String, Bool) {
        let text = try config.requiredString("url", example: "smtp://relay.shop.example:587")
        let implicitTLS: Bool
        let rest: Substring
        if text.hasPrefix("smtps://") {
            implicitTLS = true
            rest = text.dropFirst(8)
        } else if text.hasPrefix("smtp://") {
            implicitTLS = false
            rest = text.dropFirst(7)
        } else {
            throw config.error("url", "\"\(text)\" must start with smtp:// (STARTTLS, port 587 or 25) or smtps:// (port 465)")
        }
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@"),
            authority.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "?" && $0 != "#" })
        else {
            throw config.error("url", "\"\(text)\" must be smtp://host:port with no path or credentials (use helo, username, password_file)")
        }
        let base = (implicitTLS ? "smtps://" : "smtp://") + authority
        return (base, LoopbackHost.contains(url: base))
    }

    private static func tls(_ config: PluginConfig, implicitTLS: Bool) throws(ConfigError) -> SMTPRequest.TLS {
        let text = try config.string("starttls")
        if implicitTLS {
            guard text == nil || text == "required" else {
                throw config.error("starttls", "smtps:// is TLS from the first byte; leave starttls out or set \"required\"")
            }
            return .required
        }
        switch text ?? "required" {
        case "required": return .required
        case "opportunistic": return .opportunistic
        case "none": return .none
        case let other: throw config.error("starttls", "\"\(other)\" is not one of required, opportunistic, none")
        }
    }

    private static func unsubscribe(_ config: PluginConfig, context: PluginContext) throws(ConfigError) -> Unsubscribe? {
        guard let url = try config.string("unsubscribe_url") else {
            for key in ["unsubscribe_mailto", "unsubscribe_secret", "unsubscribe_secret_file"] where config.values[key] != nil {
                throw config.error(key, "needs unsubscribe_url, e.g. unsubscribe_url = \"https://shop.example/u\"")
            }
            return nil
        }
        guard url.hasPrefix("https://") || (url.hasPrefix("http://") && LoopbackHost.contains(url: url)),
            !url.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || !$0.isASCII })
        else {
            throw config.error("unsubscribe_url", "\"\(url)\" must be an https:// URL (RFC 8058 one-click needs HTTPS), e.g. https://shop.example/u")
        }
        var mailto: String?
        if let text = try config.string("unsubscribe_mailto") {
            mailto = try address(config, "unsubscribe_mailto", example: "unsubscribe@shop.example", text: text).address
        }
        guard let secretText = try config.secret("unsubscribe_secret", context: context) else {
            throw config.error("unsubscribe_secret_file", "unsubscribe_url needs a secret to sign tokens: 32 or more random bytes in a file")
        }
        let secret = Array(secretText.utf8)
        guard secret.count >= 16 else {
            throw config.error("unsubscribe_secret_file", "the secret is \(secret.count) bytes; use at least 16 (32 random bytes recommended)")
        }
        return Unsubscribe(url: url.hasSuffix("/") ? String(url.dropLast()) : url, mailto: mailto, secret: secret)
    }
}
