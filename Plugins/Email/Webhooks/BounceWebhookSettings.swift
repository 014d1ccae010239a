import HeraldCrypto
import HeraldPluginAPI

/// The email channel's `bounce_webhooks = { … }`: which providers may post bounce and complaint events, and what
/// proves a post came from them. Read once at startup; every key is declared here with its default, unknown keys are
/// errors at each level, and a bad public key or an unreadable key file stops the daemon with a `ConfigError`.
///
/// | key | default | |
/// |---|---|---|
/// | `ses.topic_arns` | required | the SNS topics SES publishes to; anything else is refused |
/// | `ses.cert_hosts` | AWS's `sns.<region>.amazonaws.com` | exact hosts for SigningCertURL and SubscribeURL |
/// | `ses.ca_file` | system CAs | the CA bundle for fetching the certificate and SubscribeURL |
/// | `sendgrid.public_key` | required | the Event Webhook verification key, `MFkw…` |
/// | `sendgrid.max_age` | `"10m"` (1m…24h) | how far the signed timestamp may be from the clock |
/// | `mailgun.signing_key_file` / `signing_key` | required | the HTTP webhook signing key |
/// | `mailgun.max_age` | `"10m"` (1m…24h) | how far the signed timestamp may be from the clock |
/// | `postmark.username` | required | the webhook's HTTP Basic user |
/// | `postmark.password_file` / `password` | required | its password |
///
/// `topic_arns` is required, not optional: every SNS topic in every AWS account is signed with the same Amazon
/// certificates, so without a topic list anyone could create a topic, subscribe this endpoint and post bounces that
/// verify.
struct BounceWebhookSettings: Sendable {
    static let keys: Set<String> = ["ses", "sendgrid", "mailgun", "postmark"]

    struct SES: Sendable {
        static let keys: Set<String> = ["topic_arns", "cert_hosts", "ca_file"]
        var topicARNs: Set<String>
        var urlRule: SNSURLRule
        var caFile: String?
    }

    var ses: SES?
    var sendgrid: SendGridWebhook?
    var mailgun: MailgunWebhook?
    var postmark: PostmarkWebhook?

    static let maxAgeRange = Duration.seconds(60)...Duration.seconds(24 * 3600)
    static let defaultMaxAge = Duration.seconds(600)

    /// Nil when the channel has no `bounce_webhooks`.
    init?(config: PluginConfig, context: PluginContext) throws(ConfigError) {
        guard let table = try config.table("bounce_webhooks") else { return nil }
        try table.rejectUnknownKeys(allowed: Self.keys)
        guard !table.values.isEmpty else {
            throw config.error(
                "bounce_webhooks",
                "names no provider (ses, sendgrid, mailgun, postmark); write e.g. bounce_webhooks = "
                    + "{ postmark = { username = \"herald\", password_file = \"postmark-hook\" } }")
        }
        if let section = try table.table("ses") { ses = try Self.ses(section, context) }
        if let section = try table.table("sendgrid") { sendgrid = try Self.sendgrid(section) }
        if let section = try table.table("mailgun") { mailgun = try Self.mailgun(section, context) }
        if let section = try table.table("postmark") { postmark = try Self.postmark(section, context) }
    }

    private static func ses(_ config: PluginConfig, _ context: PluginContext) throws(ConfigError) -> SES {
        try config.rejectUnknownKeys(allowed: SES.keys)
        let example = "topic_arns = [\"arn:aws:sns:us-east-1:123456789012:ses-bounces\"]"
        guard let arns = try config.strings("topic_arns"), !arns.isEmpty else {
            throw config.error(
                "topic_arns",
                "is required: every AWS account's SNS topics are signed alike, so name yours, e.g. \(example)")
        }
        for arn in arns where !(arn.hasPrefix("arn:aws") && arn.contains(":sns:")) {
            throw config.error("topic_arns", "\"\(arn)\" is not an SNS topic ARN; write e.g. \(example)")
        }
        var rule = SNSURLRule.amazon
        if let hosts = try config.strings("cert_hosts") {
            let bad = hosts.first { $0.isEmpty || $0.contains { !$0.isASCII || $0.isWhitespace || "/:@".contains($0) } }
            guard !hosts.isEmpty, bad == nil else {
                throw config.error(
                    "cert_hosts", "must list host names without scheme or port, e.g. cert_hosts = [\"127.0.0.1\"]; "
                        + "leave it out for Amazon's sns.<region>.amazonaws.com")
            }
            rule = .exact(Set(hosts.map { $0.lowercased() }))
        }
        let caFile = try config.string("ca_file").map(context.resolve(path:))
        if let caFile, readTextFile(caFile, limit: 16 << 20) == nil {
            throw config.error(
                "ca_file", "cannot read \(caFile); give a PEM CA bundle, e.g. ca_file = \"/etc/ssl/certs/ca.pem\"")
        }
        return SES(topicARNs: Set(arns), urlRule: rule, caFile: caFile)
    }

    private static func sendgrid(_ config: PluginConfig) throws(ConfigError) -> SendGridWebhook {
        try config.rejectUnknownKeys(allowed: ["public_key", "max_age"])
        let text = try config.requiredString("public_key", example: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…")
        let key: P256PublicKey
        do {
            key = try P256PublicKey(base64DER: text)
        } catch {
            throw config.error(
                "public_key",
                "\(error.message); copy the Verification Key from SendGrid's Signed Event Webhook settings")
        }
        let maxAge = try config.duration("max_age", default: defaultMaxAge, in: maxAgeRange)
        return SendGridWebhook(publicKey: key, maxAge: maxAge)
    }

    private static func mailgun(_ config: PluginConfig, _ context: PluginContext) throws(ConfigError)
        -> MailgunWebhook
    {
        try config.rejectUnknownKeys(allowed: ["signing_key", "signing_key_file", "max_age"])
        guard let key = try config.secret("signing_key", context: context), !key.isEmpty else {
            throw config.error(
                "signing_key_file",
                "is required: a file holding Mailgun's HTTP webhook signing key, "
                    + "e.g. signing_key_file = \"mailgun-signing-key\"")
        }
        let maxAge = try config.duration("max_age", default: defaultMaxAge, in: maxAgeRange)
        return MailgunWebhook(signingKey: Array(key.utf8), maxAge: maxAge, replays: TokenReplayCache())
    }

    private static func postmark(_ config: PluginConfig, _ context: PluginContext) throws(ConfigError)
        -> PostmarkWebhook
    {
        try config.rejectUnknownKeys(allowed: ["username", "password", "password_file"])
        let username = try config.requiredString("username", example: "herald")
        // RFC 7617: the user-id of Basic credentials cannot contain a colon; the password may.
        guard !username.contains(":") else {
            throw config.error("username", "must not contain ':', e.g. username = \"herald\"")
        }
        guard let password = try config.secret("password", context: context), !password.isEmpty else {
            throw config.error(
                "password_file",
                "is required: a file holding the webhook's password, e.g. password_file = \"postmark-hook\"")
        }
        return PostmarkWebhook(username: username, password: password)
    }
}
