import HeraldTransport

/// The `fetch` the bounce webhook routes are given, on HeraldTransport's HTTP client: a GET of an SNS signing
/// certificate or a `SubscribeURL`, TLS-verified (against `ses.ca_file` when set, else the system's CAs), with a
/// short timeout, no redirects (the client follows none, so the host checked is the host fetched), and only a 200
/// with a body under 64 KiB counts: a certificate is about 2 KiB, and the client keeps only the first 64 KiB of any
/// answer, so a body that reaches the limit may be cut short. Failures come back as words, never thrown.
struct WebhookFetcher: Sendable {
    static let bodyLimit = 65_536

    var caFile: String?
    var timeout: Duration
    var send: HTTPSender

    init(caFile: String?, timeout: Duration = .seconds(10), send: @escaping HTTPSender = HTTPClient.sharedSender) {
        self.caFile = caFile
        self.timeout = timeout
        self.send = send
    }

    func fetch(_ url: String) async -> Result<[UInt8], WebhookFetchError> {
        let request = HTTPRequest(
            url: url, method: "GET", timeout: timeout, connectTimeout: min(timeout, .seconds(5)), caFile: caFile,
            version: .http1)
        guard let result = await send([request]).first else {
            return .failure(WebhookFetchError("no answer from the HTTP client"))
        }
        switch result {
        case .failure(let error):
            return .failure(WebhookFetchError(error.description))
        case .success(let response) where response.status != 200:
            return .failure(WebhookFetchError("HTTP \(response.status)"))
        case .success(let response) where response.body.count >= Self.bodyLimit:
            return .failure(WebhookFetchError("the answer is 64 KiB or more"))
        case .success(let response):
            return .success(response.body)
        }
    }
}
