/// One recipient-level event a provider's webhook reported, after its signature was verified.
struct ProviderEvent: Sendable, Equatable {
    enum Kind: String, Sendable, Equatable { case bounced, delayed, complained }
    var kind: Kind
    /// For `bounced`: the address is gone (suppress it). False for soft bounces and other kinds.
    var hard: Bool
    var reason: String
    var address: String
    var status: String?
    var diagnostic: String?
    /// The original message's Message-ID header, `<…@…>` form, when the provider echoes it.
    var originalMessageID: String?
    /// The provider's name: ses, sendgrid, mailgun, postmark.
    var provider: String
}
