/// Why a GET the webhook checks needed (an SNS signing certificate, a `SubscribeURL`) brought no usable answer, in
/// words for the 502 the provider gets: `curl:28 Timeout…`, `HTTP 404`. The provider's retry is the remedy, so
/// nothing branches on it and it carries no code.
struct WebhookFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    var reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    var description: String { reason }
}
