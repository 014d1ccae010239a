import CCurl

/// One mail transaction on a libcurl easy handle: the envelope, the message being uploaded, and the server's
/// replies as they arrive (libcurl reports only the last reply's code; the text with its enhanced status code
/// comes through the header callback, which libcurl feeds every reply line of SMTP). Not for reuse: one message,
/// one transfer.
///
/// `@unchecked Sendable` is sound for the reason `HTTPTransfer` gives: configured by the calling task, then owned
/// by the loop thread alone, where libcurl's callbacks also run.
final class SMTPTransfer: CurlJob, @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private let group: CurlTransferGroup<SMTPResponse>
    private let index: Int
    private var recipients: UnsafeMutablePointer<curl_slist>?
    private let message: UnsafeMutableRawBufferPointer
    /// The message's length; `message` is never empty (an allocation of zero bytes has no base address).
    private let length: Int
    private var sent = 0
    private var replies = SMTPReplyReader()
    private var lastReply: SMTPReply?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(easy: UnsafeMutableRawPointer, _ request: SMTPRequest, group: CurlTransferGroup<SMTPResponse>, index: Int) {
        self.easy = easy
        self.group = group
        self.index = index
        length = request.message.count
        message = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, length), alignment: 1)
        request.message.withUnsafeBytes { message.copyMemory(from: $0) }
        errorBuffer.initialize(to: 0)
    }

    deinit {
        curl_slist_free_all(recipients)
        message.deallocate()
        errorBuffer.deallocate()
    }

    /// Sets every option of `request`; the first option libcurl refuses becomes the error.
    func configure(_ request: SMTPRequest) -> TransportError? {
        // libcurl 7.88 puts envelope addresses on the wire verbatim: CR or LF there would inject SMTP commands.
        for address in [request.mailFrom, request.recipient]
        where address.utf8.contains(where: { $0 < 32 || $0 == 127 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) {
            return TransportError(curlCode: 43, message: "envelope address \"\(address.debugDescription)\" has control characters or angle brackets")
        }
        var options = CurlOptions(easy)
        options.setSMTPSession(
            url: request.url, tls: request.tls, username: request.username, password: request.password,
            loginOptions: request.loginOptions, timeout: request.timeout, connectTimeout: request.connectTimeout,
            caFile: request.caFile, errorBuffer: errorBuffer)
        if request.freshConnection { options.set(CURLOPT_FRESH_CONNECT, 1) }
        options.set(CURLOPT_MAIL_FROM, "<\(request.mailFrom)>")
        recipients = curl_slist_append(nil, "<\(request.recipient)>")
        options.set(CURLOPT_MAIL_RCPT, recipients)
        options.set(CURLOPT_UPLOAD, 1)
        options.check(herald_easy_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(length)))

        let me = Unmanaged.passUnretained(self).toOpaque()
        options.set(CURLOPT_READFUNCTION, callback: smtpReadMessage)
        options.set(CURLOPT_READDATA, pointer: me)
        // libcurl passes every server reply line of a pingpong protocol (SMTP, FTP) to the header callback: the
        // replies' text, with the enhanced status code, without the cost of VERBOSE and a debug callback.
        options.set(CURLOPT_HEADERFUNCTION, callback: smtpReply)
        options.set(CURLOPT_HEADERDATA, pointer: me)
        return options.error
    }

    func finish(_ code: Int) {
        let curlCode = CURLcode(UInt32(code))
        var connects = 0
        _ = herald_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        var error: TransportError?
        if curlCode != CURLE_OK {
            error = TransportError(curlCode: code, message: curlErrorMessage(curlCode, buffer: errorBuffer))
        }
        group.finish(index, SMTPResponse(reply: lastReply, error: error, reusedConnection: connects == 0))
    }

    func abandon(_ error: TransportError) {
        group.finish(index, SMTPResponse(reply: lastReply, error: error))
    }

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, length - sent)
        guard count > 0, let base = message.baseAddress else { return 0 }
        UnsafeMutableRawPointer(buffer).copyMemory(from: base + sent, byteCount: count)
        sent += count
        return count
    }

    /// Lines the server sent; the last complete reply is the one that ended the transaction.
    fileprivate func received(_ text: Substring) {
        // 221 answers the QUIT libcurl sends when it closes a connection after a failure: keep the reply that
        // failed the transaction instead.
        for reply in replies.feed(text) where reply.code != 221 { lastReply = reply }
    }
}

private let smtpReadMessage: herald_curl_data_cb = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<SMTPTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.read(into: buffer, capacity: size * count)
}

private let smtpReply: herald_curl_data_cb = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<SMTPTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let text = curlCallbackText(data, length: length)
    transfer.received(Substring(text))
    return length
}
