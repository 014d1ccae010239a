/// One recipient-level event a provider's webhook reported, after its signature was verified.
struct ProviderEvent: Sendable, Equatable {
    enum Kind: String, Sendable, Equatable { case bounced, delayed, complained }
    var kind: Kind
    /// For `bounced`: the address is gone (suppress it). False for soft bounces and other kinds.
    var hard: Bool
    /// Herald's reason word: the `BounceClassifier` reasons (user_unknown, host_unknown, has_moved, not_accept,
    /// mailbox_full, suspend, blocked, other) where the event carries a DSN status/diagnostic, else a provider
    /// mapping (e.g. "suppressed", "complaint", "abuse").
    var reason: String
    var address: String
    /// The enhanced status code (5.1.1) or the provider's code, when given.
    var status: String?
    /// The remote server's words / the provider's description.
    var diagnostic: String?
    /// The original message's Message-ID header, `<…@…>` form, when the provider echoes it
    /// (SES `mail.headers` Message-ID (not `mail.messageId`, which is SES's own id), SendGrid `smtp-id`,
    /// Mailgun `message.headers.message-id` (add the angle brackets), Postmark: a `Metadata` key
    /// `herald_message_id` if present, else nil).
    var originalMessageID: String?
    /// The provider's name: ses, sendgrid, mailgun, postmark.
    var provider: String
}
