/// Sends HTTP requests for channel plugins over the shared libcurl multi loop: connection reuse, HTTP/2 when the
/// server offers it, timeouts, TLS verification on. Never retries; the core does that.
public struct HTTPClient: Sendable {
    private let loop: CurlMultiLoop

    /// The process-wide client: one multi handle, one connection pool (PROTOCOLS §0.2).
    public static let shared = HTTPClient(loop: CurlMultiLoop())

    private init(loop: CurlMultiLoop) {
        self.loop = loop
    }

    public func send(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportError> {
        await loop.perform([request])[0]
    }

    /// Sends all requests at once over the shared pool; results in the same order. One suspension for the lot.
    public func send(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, TransportError>] {
        await loop.perform(requests)
    }
}
