/// Sends mail transactions for the email plugin over the shared libcurl multi loop: the same connection pool as
/// HTTP, so a connection to a relay is reused by the next message to it (no new greeting, EHLO or AUTH), and N
/// messages in flight open N connections (SMTP cannot multiplex). Never retries a message the server may have
/// seen; the core does that. The one exception is connection management: a pooled connection that turns out to
/// be dead before the server accepted anything is replaced once, at once (PROTOCOLS §1.3).
public struct SMTPClient: Sendable {
    /// The shared loop, or why libcurl could not be set up (then every request fails with that reason).
    private let loop: Result<CurlMultiLoop, CurlSetupError>

    public static let shared = SMTPClient(loop: CurlMultiLoop.shared)

    private init(loop: Result<CurlMultiLoop, CurlSetupError>) {
        self.loop = loop
    }

    /// Runs all transactions at once; responses in the same order. One suspension for the lot (two when a
    /// pooled connection had gone stale).
    public func send(_ requests: [SMTPRequest]) async -> [SMTPResponse] {
        var responses = await perform(requests)
        let stale = responses.indices.filter { responses[$0].isStalePooledConnection }
        guard !stale.isEmpty, !Task.isCancelled else { return responses }
        let retried = await perform(stale.map { index in
            var request = requests[index]
            request.freshConnection = true
            return request
        })
        for (index, response) in zip(stale, retried) { responses[index] = response }
        return responses
    }

    /// Runs one probe session (see `SMTPProbeRequest`) on a connection of its own.
    public func probe(_ request: SMTPProbeRequest) async -> SMTPProbeResponse {
        let missing = SMTPProbeResponse(replies: [], error: TransportError(curlCode: 42, message: "not run"))
        let loop: CurlMultiLoop
        switch self.loop {
        case .success(let shared): loop = shared
        case .failure(let error): return SMTPProbeResponse(replies: [], error: error.transportError)
        }
        let responses = await loop.perform(count: 1, missing: missing) { index, easy, group in
            let transfer = SMTPProbeTransfer(easy: easy, group: group, index: index)
            if let error = transfer.configure(request) {
                group.finish(index, SMTPProbeResponse(replies: [], error: error))
                return nil
            }
            return transfer
        }
        return responses.first ?? missing
    }

    private func perform(_ requests: [SMTPRequest]) async -> [SMTPResponse] {
        let missing = SMTPResponse(reply: nil, error: TransportError(curlCode: 42, message: "not run"))
        let loop: CurlMultiLoop
        switch self.loop {
        case .success(let shared): loop = shared
        case .failure(let error): return requests.map { _ in SMTPResponse(reply: nil, error: error.transportError) }
        }
        return await loop.perform(count: requests.count, missing: missing) { index, easy, group in
            let transfer = SMTPTransfer(easy: easy, requests[index], group: group, index: index)
            if let error = transfer.configure(requests[index]) {
                group.finish(index, SMTPResponse(reply: nil, error: error))
                return nil
            }
            return transfer
        }
    }
}
