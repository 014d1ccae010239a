/// The ad platform an audience channel syncs to. It picks the normalisation table (`AudienceRules`); it is not the
/// HTTP client or the request shape of that platform.
enum AudienceProvider: String, Sendable, CaseIterable {
    /// Meta Customer File Custom Audiences (PROTOCOLS §6.1).
    case meta
    /// Google Data Manager / Customer Match (PROTOCOLS §6.3).
    case google
    /// A platform without rules of its own: Meta's are the de-facto default of customer-file uploads.
    case generic
}
