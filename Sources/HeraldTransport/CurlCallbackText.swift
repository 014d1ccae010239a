/// The bytes libcurl hands a header or reply callback, as text (invalid UTF-8 repaired): one line of an HTTP
/// header block or of an SMTP reply. The one decoding every text callback of HeraldTransport shares.
func curlCallbackText(_ pointer: UnsafeMutablePointer<CChar>, length: Int) -> String {
    pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
}
