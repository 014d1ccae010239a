/// Why a provider's webhook request was refused, and so which status answers it: 401 when the credentials or
/// signature that authenticate the sender (SendGrid, Mailgun, Postmark) are missing or wrong, 403 when an SNS message
/// fails its signature, certificate-URL or topic checks (the sender proved nothing Herald trusts), 400 for a body
/// that is not the JSON the provider sends, 502 when a URL the check needs (the SNS signing certificate, a
/// SubscribeURL) could not be fetched, so the provider retries. Messages never contain an address: they are answered
/// to whoever sent the request and may be logged.
enum WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    case unauthorized(String)
    case forbidden(String)
    case malformed(String)
    case upstream(String)

    var status: Int {
        switch self {
        case .unauthorized: 401
        case .forbidden: 403
        case .malformed: 400
        case .upstream: 502
        }
    }

    /// Stable, for a metric label.
    var code: String {
        switch self {
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .malformed: "malformed"
        case .upstream: "upstream"
        }
    }

    var description: String {
        switch self {
        case .unauthorized(let text), .forbidden(let text), .malformed(let text), .upstream(let text): text
        }
    }
}
