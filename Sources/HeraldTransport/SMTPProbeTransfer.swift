import CCurl

/// One `SMTPProbeRequest` on a libcurl easy handle. libcurl runs the connect phase (greeting, EHLO, STARTTLS per
/// `CURLOPT_USE_SSL`, EHLO again, AUTH when a user name is set and the server offers AUTH), then the custom
/// command `NOOP` (sent because there is no recipient and no upload), and, since the connection may not be
/// reused, `QUIT` as it closes it. Every reply line reaches the header callback; the NOOP's answer, which
/// libcurl treats as body data, is dropped rather than written to stdout.
///
/// `@unchecked Sendable` is sound for the reason `HTTPTransfer` gives: configured by the calling task, then owned
/// by the loop thread alone, where libcurl's callbacks also run.
final class SMTPProbeTransfer: CurlJob, @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private let group: CurlTransferGroup<SMTPProbeResponse>
    private let index: Int
    private var reader = SMTPReplyReader()
    private var replies: [SMTPReply] = []
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(easy: UnsafeMutableRawPointer, group: CurlTransferGroup<SMTPProbeResponse>, index: Int) {
        self.easy = easy
        self.group = group
        self.index = index
        errorBuffer.initialize(to: 0)
    }

    deinit {
        errorBuffer.deallocate()
    }

    /// Sets every option of `request`; the first option libcurl refuses becomes the error.
    func configure(_ request: SMTPProbeRequest) -> TransportError? {
        var options = CurlOptions(easy)
        options.setSMTPSession(
            url: request.url, tls: request.tls, username: request.username, password: request.password,
            loginOptions: request.loginOptions, timeout: request.timeout, connectTimeout: request.connectTimeout,
            caFile: request.caFile, errorBuffer: errorBuffer)
        // A probe proves a new session works: a pooled connection would skip greeting, TLS and AUTH, and
        // closing the connection afterwards is what makes libcurl send QUIT.
        options.set(CURLOPT_FRESH_CONNECT, 1)
        options.set(CURLOPT_FORBID_REUSE, 1)
        options.set(CURLOPT_CUSTOMREQUEST, "NOOP")
        let me = Unmanaged.passUnretained(self).toOpaque()
        options.set(CURLOPT_HEADERFUNCTION, callback: smtpProbeReply)
        options.set(CURLOPT_HEADERDATA, pointer: me)
        options.set(CURLOPT_WRITEFUNCTION, callback: smtpProbeDiscard)
        return options.error
    }

    func finish(_ code: Int) {
        let curlCode = CURLcode(UInt32(code))
        var error: TransportError?
        if curlCode != CURLE_OK {
            error = TransportError(
                curlCode: code, message: curlErrorMessage(curlCode, buffer: errorBuffer))
        }
        group.finish(index, SMTPProbeResponse(replies: replies, error: error))
    }

    func abandon(_ error: TransportError) {
        group.finish(index, SMTPProbeResponse(replies: replies, error: error))
    }

    fileprivate func received(_ text: Substring) {
        replies += reader.feed(text)
    }
}

private let smtpProbeReply: herald_curl_data_cb = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<SMTPProbeTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let text = curlCallbackText(data, length: length)
    transfer.received(Substring(text))
    return length
}

private let smtpProbeDiscard: herald_curl_data_cb = { _, size, count, _ in size * count }
