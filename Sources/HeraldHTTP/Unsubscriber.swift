/// What the HTTP server asks of the suppression list behind an unsubscribe link: verify a token, and on a POST
/// record the suppression. The server knows nothing of how tokens are signed or where suppressions are stored;
/// the daemon passes in the implementation (HeraldCore's suppression store over HeraldCrypto's token check).
public protocol Unsubscriber: Sendable {
    /// Verifies the token and suppresses its recipient; returns nil for a token that does not verify, and throws
    /// when the suppression could not be stored (the server answers 503, so the provider tries again).
    func unsubscribe(token: String) async throws -> UnsubscribeReceipt?
    /// Verifies only (for the GET page): the masked recipient it names, or nil.
    func peek(token: String) -> UnsubscribeReceipt?
}

/// What a verified token names, safe to show: the recipient is already masked (`a***@example.com`).
public struct UnsubscribeReceipt: Sendable, Equatable {
    public var maskedRecipient: String
    public var campaign: String?

    public init(maskedRecipient: String, campaign: String? = nil) {
        self.maskedRecipient = maskedRecipient
        self.campaign = campaign
    }
}
