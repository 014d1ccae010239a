import CCurl
import Synchronization

/// One HTTP request on a libcurl easy handle and everything the handle points into while it runs: the body, the
/// header list and the response buffers. Not for reuse: one request, one transfer.
///
/// `@unchecked Sendable` is sound because ownership moves once: the calling task configures it, hands it to
/// `CurlMultiLoop` under the inbox lock, and never touches it again; from then on only the loop thread reads or
/// writes it (libcurl's callbacks run on that thread too).
final class HTTPTransfer: CurlJob, @unchecked Sendable {
    typealias Outcome = Result<HTTPResponse, TransportError>

    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var body: UnsafeMutableRawBufferPointer?
    var responseBody: [UInt8] = []
    var responseHeaders: [String: String] = [:]
    let captureHeaders: Set<String>
    /// Where the result goes: the batch this transfer belongs to, and its index there.
    private let group: CurlTransferGroup<Outcome>
    private let index: Int
    /// libcurl writes its error text here during the transfer, so it must outlive every call: heap, not an array.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// - Parameter easy: a fresh or reset easy handle from the loop's pool; the loop takes it back at the end.
    init(easy: UnsafeMutableRawPointer, _ request: HTTPRequest, group: CurlTransferGroup<Outcome>, index: Int) {
        self.easy = easy
        self.group = group
        self.index = index
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
        var options = CurlOptions(easy)
        options.setCommon(
            timeout: request.timeout, connectTimeout: request.connectTimeout, caFile: request.caFile,
            protocols: Int(CURLPROTO_HTTP | CURLPROTO_HTTPS), errorBuffer: errorBuffer)
        options.set(CURLOPT_URL, request.url)
        options.set(CURLOPT_PIPEWAIT, 1)
        let version: Int
        switch request.version {
        case .automatic: version = Int(CURL_HTTP_VERSION_2TLS)
        case .http1: version = Int(CURL_HTTP_VERSION_1_1)
        case .http2PriorKnowledge:
            version = Int(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
            // libcurl 7.88 (Debian 12) fails every request after the first on a reused cleartext HTTP/2
            // connection with CURLE_HTTP2 ("Error in the HTTP2 framing layer"; seen against nghttpd, and with the
            // curl tool itself). HTTP/2 over TLS reuses fine. So h2c gets a fresh connection per request.
            options.set(CURLOPT_FORBID_REUSE, 1)
        }
        options.set(CURLOPT_HTTP_VERSION, version)

        if request.method == "POST" || request.method == "PUT" || request.method == "PATCH" || !request.body.isEmpty {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(request.body.count, 1), alignment: 1)
            request.body.withUnsafeBytes { copy.copyMemory(from: $0) }
            body = copy
            options.set(CURLOPT_POST, 1)
            options.check(herald_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            options.set(CURLOPT_POSTFIELDS, pointer: copy.baseAddress)
        }
        if request.method == "HEAD" {
            // NOBODY, not a custom "HEAD": with a custom method libcurl would wait for the body the
            // Content-Length announces, which a HEAD answer never sends.
            options.set(CURLOPT_NOBODY, 1)
        } else if request.method != "POST" && request.method != "GET" {
            options.set(CURLOPT_CUSTOMREQUEST, request.method)
        }
        // An empty `Expect:` stops libcurl from waiting for `100 Continue` on larger bodies.
        for line in request.headers + ["Expect:"] { headerList = curl_slist_append(headerList, line) }
        options.set(CURLOPT_HTTPHEADER, headerList)

        let me = Unmanaged.passUnretained(self).toOpaque()
        options.set(CURLOPT_WRITEFUNCTION, callback: curlWriteBody)
        options.set(CURLOPT_WRITEDATA, pointer: me)
        if !captureHeaders.isEmpty {
            options.set(CURLOPT_HEADERFUNCTION, callback: curlWriteHeader)
            options.set(CURLOPT_HEADERDATA, pointer: me)
        }
        return options.error
    }

    func finish(_ code: Int) {
        group.finish(index, response(CURLcode(UInt32(code))))
    }

    func abandon(_ error: TransportError) {
        group.finish(index, .failure(error))
    }

    /// The response once libcurl reported the transfer done with `code`.
    private func response(_ code: CURLcode) -> Outcome {
        guard code == CURLE_OK else {
            return .failure(TransportError(curlCode: Int(code.rawValue), message: curlErrorMessage(code, buffer: errorBuffer)))
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
    let transfer = Unmanaged<HTTPTransfer>.fromOpaque(userdata).takeUnretainedValue()
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
    let transfer = Unmanaged<HTTPTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = curlCallbackText(pointer, length: length)
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
