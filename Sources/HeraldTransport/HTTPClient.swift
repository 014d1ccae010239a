/// Sends HTTP requests for channel plugins over a libcurl multi loop: connection reuse, HTTP/2 when the server
/// offers it, timeouts, TLS verification on. Never retries; the core does that.
public struct HTTPClient: Sendable {
    private let loop: CurlLoopSource

    /// The process-wide client: one multi handle, one connection pool (PROTOCOLS §0.2).
    public static let shared = HTTPClient(loop: CurlLoopSource(CurlMultiLoop.shared))

    /// A client whose connections no other client uses, for credentials that bind a connection: APNs takes the
    /// provider tokens of one team (one key) per connection and answers `403 InvalidProviderToken` on a connection
    /// that has carried another's, while libcurl's shared pool would hand two channels on one host the same
    /// connection. Its loop (a multi handle and a thread) starts with its first request, so a plugin built only
    /// to be checked starts none; it lives as long as the process, like the plugin that asked for it.
    public static func dedicated(name: String) -> HTTPClient {
        HTTPClient(loop: CurlLoopSource(starting: name))
    }

    private init(loop: CurlLoopSource) {
        self.loop = loop
    }

    public func send(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportError> {
        await send([request])[0]
    }

    /// Sends all requests at once over the shared pool; results in the same order. One suspension for the lot.
    public func send(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, TransportError>] {
        let missing = Result<HTTPResponse, TransportError>.failure(TransportError(curlCode: 42, message: "not run"))
        let loop: CurlMultiLoop
        switch self.loop.loop {
        case .success(let started): loop = started
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

/// How a plugin sends: all requests at once, answers in order. `HTTPClient.shared.send` in production
/// (`HTTPClient.sharedSender`), a recording or scripted closure in tests.
public typealias HTTPSender = @Sendable ([HTTPRequest]) async -> [Result<HTTPResponse, TransportError>]

extension HTTPClient {
    public static let sharedSender: HTTPSender = { await HTTPClient.shared.send($0) }
}
