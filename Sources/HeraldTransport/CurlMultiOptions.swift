import CCurl

/// Sets options on the multi handle and turns a refusal into a `CurlSetupError` naming the option (STYLE 9:
/// every setopt result is checked). A refusal means a libcurl build without the option or out of memory; the
/// loop is then unusable, and every transfer reports why instead of running with half its settings.
struct CurlMultiOptions {
    let multi: UnsafeMutableRawPointer

    func set(_ option: CURLMoption, _ name: String, _ value: Int) throws(CurlSetupError) {
        try check(herald_multi_setopt_long(multi, option, value), name)
    }

    func set(_ option: CURLMoption, _ name: String, pointer: UnsafeMutableRawPointer?)
        throws(CurlSetupError)
    {
        try check(herald_multi_setopt_ptr(multi, option, pointer), name)
    }

    func set(socketCallback: herald_curl_socket_cb) throws(CurlSetupError) {
        try check(herald_multi_setopt_socket_cb(multi, socketCallback), "CURLMOPT_SOCKETFUNCTION")
    }

    func set(timerCallback: herald_curl_timer_cb) throws(CurlSetupError) {
        try check(herald_multi_setopt_timer_cb(multi, timerCallback), "CURLMOPT_TIMERFUNCTION")
    }

    private func check(_ code: CURLMcode, _ name: String) throws(CurlSetupError) {
        guard code != CURLM_OK else { return }
        throw CurlSetupError(
            step: name, code: Int(code.rawValue), message: String(cString: curl_multi_strerror(code)))
    }
}

/// libcurl could not be set up for the process: the global init, the multi handle or one of its options. The
/// step names the call or option, so the error says what to fix (usually the libcurl package).
public struct CurlSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `curl_global_init`, `curl_multi_init` or a `CURLMOPT_…` name.
    public var step: String
    public var code: Int
    public var message: String

    public init(step: String, code: Int, message: String) {
        self.step = step
        self.code = code
        self.message = message
    }

    public var description: String { "libcurl setup failed at \(step) (code \(code)): \(message)" }

    /// What each transfer reports while the loop is unusable: CURLE_FAILED_INIT with this error's words.
    var transportError: TransportError { TransportError(curlCode: 2, message: description) }
}
