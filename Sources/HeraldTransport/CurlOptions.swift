import CCurl

/// Sets options on one easy handle and keeps the first code libcurl refuses, so a configure function can set
/// everything in a row and check once (every `setopt` result is checked, none is dropped). Also the options every
/// Herald transfer shares, whatever its protocol: no signals, timeouts, TLS verification on, a private CA, and
/// libcurl's error text.
struct CurlOptions {
    let easy: UnsafeMutableRawPointer
    private(set) var failure: CURLcode = CURLE_OK

    init(_ easy: UnsafeMutableRawPointer) {
        self.easy = easy
    }

    mutating func check(_ code: CURLcode) {
        if failure == CURLE_OK, code != CURLE_OK { failure = code }
    }

    mutating func set(_ option: CURLoption, _ value: Int) { check(herald_easy_setopt_long(easy, option, value)) }
    mutating func set(_ option: CURLoption, _ value: String) { check(herald_easy_setopt_str(easy, option, value)) }
    mutating func set(_ option: CURLoption, pointer: UnsafeRawPointer?) { check(herald_easy_setopt_ptr(easy, option, pointer)) }
    mutating func set(_ option: CURLoption, _ list: UnsafeMutablePointer<curl_slist>?) {
        check(herald_easy_setopt_slist(easy, option, list))
    }
    mutating func set(_ option: CURLoption, callback: herald_curl_data_cb) { check(herald_easy_setopt_cb(easy, option, callback)) }

    /// The settings no Herald transfer goes without. TLS peer and host verification stay on (SSL_VERIFYPEER and
    /// SSL_VERIFYHOST are libcurl's defaults and are set again so a reset handle cannot lose them).
    mutating func setCommon(
        timeout: Duration, connectTimeout: Duration, caFile: String?, protocols: Int,
        errorBuffer: UnsafeMutablePointer<CChar>
    ) {
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_TIMEOUT_MS, timeout.wholeMilliseconds)
        set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.wholeMilliseconds)
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        set(CURLOPT_PROTOCOLS, protocols)
        if let caFile { set(CURLOPT_CAINFO, caFile) }
        set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
    }

    /// The first refusal as a transport error, or nil when every option was taken.
    var error: TransportError? {
        guard failure != CURLE_OK else { return nil }
        return TransportError(curlCode: Int(failure.rawValue), message: String(cString: curl_easy_strerror(failure)))
    }
}

/// libcurl's error text for a finished transfer: the handle's error buffer when it said something, else the
/// generic text for the code.
func curlErrorMessage(_ code: CURLcode, buffer: UnsafeMutablePointer<CChar>) -> String {
    let detail = String(cString: buffer)
    return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
}
