import CCurl
import Synchronization

/// One libcurl easy handle and everything it points into while a transfer runs: the body, the header list and the
/// response buffers. Not for reuse: one request, one transfer.
///
/// `@unchecked Sendable` is sound because ownership moves once: the calling task configures it, hands it to
/// `CurlMultiLoop` under the inbox lock, and never touches it again; from then on only the loop thread reads or
/// writes it (libcurl's callbacks run on that thread too).
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var body: UnsafeMutableRawBufferPointer?
    var responseBody: [UInt8] = []
    var responseHeaders: [String: String] = [:]
    var captureHeaders: Set<String> = []
    /// Where the result goes: the batch this transfer belongs to, and its index there.
    var group: CurlTransferGroup?
    var index = 0
    /// libcurl writes its error text here during the transfer, so it must outlive every call: heap, not an array.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// - Parameter easy: a fresh or reset easy handle from the loop's pool; the loop takes it back at the end.
    init(easy: UnsafeMutableRawPointer, _ request: HTTPRequest) {
        self.easy = easy
        errorBuffer.initialize(to: 0)
        captureHeaders = request.captureHeaders
    }

    deinit {
        curl_slist_free_all(headerList)
        body?.deallocate()
        errorBuffer.deallocate()
    }

    /// Sets every option of `request`; the first option libcurl refuses becomes the error.
    func configure(_ request: HTTPRequest) -> TransportError? {
        var failure: CURLcode = CURLE_OK
        func check(_ code: CURLcode) { if failure == CURLE_OK, code != CURLE_OK { failure = code } }

        check(herald_easy_setopt_str(easy, CURLOPT_URL, request.url))
        check(herald_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(herald_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, request.timeout.wholeMilliseconds))
        check(herald_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.wholeMilliseconds))
        check(herald_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1))
        check(herald_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        check(herald_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        check(herald_easy_setopt_long(easy, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)))
        check(herald_easy_setopt_long(easy, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS)))
        let version: Int
        switch request.version {
        case .automatic: version = Int(CURL_HTTP_VERSION_2TLS)
        case .http1: version = Int(CURL_HTTP_VERSION_1_1)
        case .http2PriorKnowledge:
            version = Int(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
            // libcurl 7.88 (Debian 12) fails every request after the first on a reused cleartext HTTP/2
            // connection with CURLE_HTTP2 ("Error in the HTTP2 framing layer"; seen against nghttpd, and with the
            // curl tool itself). HTTP/2 over TLS reuses fine. So h2c gets a fresh connection per request.
            check(herald_easy_setopt_long(easy, CURLOPT_FORBID_REUSE, 1))
        }
        check(herald_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, version))
        if let caFile = request.caFile { check(herald_easy_setopt_str(easy, CURLOPT_CAINFO, caFile)) }
        check(herald_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer))

        if request.method == "POST" || request.method == "PUT" || request.method == "PATCH" || !request.body.isEmpty {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(request.body.count, 1), alignment: 1)
            request.body.withUnsafeBytes { copy.copyMemory(from: $0) }
            body = copy
            check(herald_easy_setopt_long(easy, CURLOPT_POST, 1))
            check(herald_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            check(herald_easy_setopt_ptr(easy, CURLOPT_POSTFIELDS, copy.baseAddress))
        }
        if request.method != "POST" && request.method != "GET" {
            check(herald_easy_setopt_str(easy, CURLOPT_CUSTOMREQUEST, request.method))
        }
        // An empty `Expect:` stops libcurl from waiting for `100 Continue` on larger bodies.
        for line in request.headers + ["Expect:"] { headerList = curl_slist_append(headerList, line) }
        check(herald_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))

        let me = Unmanaged.passUnretained(self).toOpaque()
        check(herald_easy_setopt_cb(easy, CURLOPT_WRITEFUNCTION, curlWriteBody))
        check(herald_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, me))
        if !captureHeaders.isEmpty {
            check(herald_easy_setopt_cb(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader))
            check(herald_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, me))
        }
        guard failure == CURLE_OK else {
            return TransportError(curlCode: Int(failure.rawValue), message: String(cString: curl_easy_strerror(failure)))
        }
        return nil
    }

    /// The response once libcurl reported the transfer done with `code`.
    func finish(_ code: CURLcode) -> Result<HTTPResponse, TransportError> {
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(TransportError(curlCode: Int(code.rawValue), message: message))
        }
        var status = 0
        _ = herald_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var retryAfter: curl_off_t = 0
        _ = herald_easy_getinfo_off(easy, CURLINFO_RETRY_AFTER, &retryAfter)
        // libcurl 7.88 yields a negative delay for an HTTP-date in the past: treat it as "now".
        let hint: Duration? = retryAfter > 0 ? .seconds(Int64(retryAfter)) : nil
        return .success(HTTPResponse(status: status, headers: responseHeaders, body: responseBody, retryAfter: hint))
    }
}

private let curlWriteBody: herald_curl_data_cb = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    // Replies are only read for classification: keep the first 64 KiB and drop the rest.
    let room = max(0, 65_536 - transfer.responseBody.count)
    if room > 0 {
        pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            transfer.responseBody.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(room, length)))
        }
    }
    return length
}

private let curlWriteHeader: herald_curl_data_cb = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        if transfer.captureHeaders.contains(name) {
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
            transfer.responseHeaders[name] = value
        }
    }
    return length
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

extension Duration {
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
