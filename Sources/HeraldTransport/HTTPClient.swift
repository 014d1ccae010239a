/// Sends HTTP requests for channel plugins over the shared libcurl multi loop: connection reuse, HTTP/2 when the
/// server offers it, timeouts, TLS verification on. Never retries; the core does that.
public struct HTTPClient: Sendable {
    /// The shared loop, or why libcurl could not be set up (then every request fails with that reason).
    private let loop: Result<CurlMultiLoop, CurlSetupError>

    /// The process-wide client: one multi handle, one connection pool (PROTOCOLS §0.2).
    public static let shared = HTTPClient(loop: CurlMultiLoop.shared)

    private init(loop: Result<CurlMultiLoop, CurlSetupError>) {
        self.loop = loop
    }

    public func send(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportError> {
        await send([request])[0]
    }

    /// Sends all requests at once over the shared pool; results in the same order. One suspension for the lot.
    public func send(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, TransportError>] {
        let missing = Result<HTTPResponse, TransportError>.failure(TransportError(curlCode: 42, message: "not run"))
        let loop: CurlMultiLoop
        switch self.loop {
        case .success(let shared): loop = shared
        case .failure(let error): return requests.map { _ in .failure(error.transportError) }
        }
        return await loop.perform(count: requests.count, missing: missing) { index, easy, group in
            let transfer = HTTPTransfer(easy: easy, requests[index], group: group, index: index)
            if let error = transfer.configure(requests[index]) {
                group.finish(index, .failure(error))
                return nil
            }
            return transfer
        }
    }
}
