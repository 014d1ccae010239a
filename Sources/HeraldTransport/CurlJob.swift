/// One transfer as `CurlMultiLoop` sees it, whatever the protocol: an easy handle to add to the multi handle, and
/// what to do when libcurl reports it done or the loop gives up on it. HTTP and SMTP transfers conform.
///
/// Conformers are classes whose ownership moves once, from the calling task to the loop thread (see
/// `HTTPTransfer`); both methods run on the loop thread only.
protocol CurlJob: AnyObject, Sendable {
    var easy: UnsafeMutableRawPointer { get }
    /// libcurl finished the transfer with `code`; read what is needed from the handle and report the result.
    /// The loop resets and pools the handle right after this returns.
    func finish(_ code: Int)
    /// The transfer never ran to completion (could not be added, or was cancelled).
    func abandon(_ error: TransportError)
}
