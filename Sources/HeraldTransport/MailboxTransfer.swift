import CCurl

/// One `MailboxRequest` on a libcurl easy handle: the response body (a fetched mail, or a custom command's
/// untagged lines) gathered up to `maxBytes`, past which the transfer is stopped.
///
/// `@unchecked Sendable` is sound for the reason `HTTPTransfer` gives: configured by the calling task, then owned
/// by the loop thread alone, where libcurl's callbacks also run.
final class MailboxTransfer: CurlJob, @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private let group: CurlTransferGroup<MailboxResponse>
    private let index: Int
    fileprivate var body: [UInt8] = []
    fileprivate let maxBytes: Int
    fileprivate var overflowed = false
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(easy: UnsafeMutableRawPointer, group: CurlTransferGroup<MailboxResponse>, index: Int, maxBytes: Int) {
        self.easy = easy
        self.group = group
        self.index = index
        self.maxBytes = maxBytes
        errorBuffer.initialize(to: 0)
    }

    deinit {
        errorBuffer.deallocate()
    }

    func configure(_ request: MailboxRequest) -> TransportError? {
        var options = CurlOptions(easy)
        options.setCommon(
            timeout: request.timeout, connectTimeout: request.connectTimeout, caFile: request.caFile,
            protocols: Int(CURLPROTO_IMAP | CURLPROTO_IMAPS | CURLPROTO_POP3 | CURLPROTO_POP3S), errorBuffer: errorBuffer)
        options.set(CURLOPT_URL, request.url)
        options.set(CURLOPT_USE_SSL, Int((request.allowPlaintext ? CURLUSESSL_NONE : CURLUSESSL_ALL).rawValue))
        options.set(CURLOPT_USERNAME, request.username)
        options.set(CURLOPT_PASSWORD, request.password)
        if let command = request.command { options.set(CURLOPT_CUSTOMREQUEST, command) }
        if request.noBody { options.set(CURLOPT_NOBODY, 1) }
        if request.ownSession {
            options.set(CURLOPT_FRESH_CONNECT, 1)
            options.set(CURLOPT_FORBID_REUSE, 1)
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        options.set(CURLOPT_WRITEFUNCTION, callback: mailboxWrite)
        options.set(CURLOPT_WRITEDATA, pointer: me)
        return options.error
    }

    func finish(_ code: Int) {
        let curlCode = CURLcode(UInt32(code))
        var error: TransportError?
        if overflowed {
            error = TransportError(curlCode: code, message: "the response is larger than \(maxBytes) bytes")
        } else if curlCode != CURLE_OK {
            error = TransportError(curlCode: code, message: curlErrorMessage(curlCode, buffer: errorBuffer))
        }
        group.finish(index, MailboxResponse(body: error == nil ? body : [], error: error))
    }

    func abandon(_ error: TransportError) {
        group.finish(index, MailboxResponse(body: [], error: error))
    }
}

private let mailboxWrite: herald_curl_data_cb = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let transfer = Unmanaged<MailboxTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    guard transfer.body.count + length <= transfer.maxBytes else {
        transfer.overflowed = true
        return 0
    }
    pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}
