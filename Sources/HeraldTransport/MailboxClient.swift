/// Runs IMAP and POP3 commands (`MailboxRequest`) over the shared libcurl multi loop, so the commands of one
/// poll reuse one logged-in connection. What to ask and what the answers mean is the caller's business (the email
/// plugin's bounce mailbox); this only moves the bytes.
public struct MailboxClient: Sendable {
    private let loop: Result<CurlMultiLoop, CurlSetupError>

    public static let shared = MailboxClient(loop: CurlMultiLoop.shared)

    private init(loop: Result<CurlMultiLoop, CurlSetupError>) {
        self.loop = loop
    }

    public func perform(_ request: MailboxRequest) async -> MailboxResponse {
        let missing = MailboxResponse(body: [], error: TransportError(curlCode: 42, message: "not run"))
        let loop: CurlMultiLoop
        switch self.loop {
        case .success(let shared): loop = shared
        case .failure(let error): return MailboxResponse(body: [], error: error.transportError)
        }
        let responses = await loop.perform(count: 1, missing: missing) { index, easy, group in
            let transfer = MailboxTransfer(easy: easy, group: group, index: index, maxBytes: request.maxBytes)
            if let error = transfer.configure(request) {
                group.finish(index, MailboxResponse(body: [], error: error))
                return nil
            }
            return transfer
        }
        return responses.first ?? missing
    }
}
