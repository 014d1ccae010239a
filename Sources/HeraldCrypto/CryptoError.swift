import COpenSSL

/// The one error type `HeraldCrypto` throws: loading a key, importing a peer's public key and sizing a Web Push
/// payload can fail; signing, MACs and encryption with a loaded key cannot (they trap on allocation failure like the
/// rest of the daemon). Each error carries a stable `code` (usable as a metric label), a
/// message that says what a good value looks like, the file involved, and libcrypto's own reason as `cause`.
/// It is not a wrapper for arbitrary OpenSSL failures elsewhere in Herald.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The key file could not be opened or read.
        case unreadableFile = "unreadable_file"
        /// No private key PEM block could be parsed.
        case invalidPEM = "invalid_pem"
        /// The PEM block is passphrase-protected; the daemon has no one to ask for the passphrase.
        case encryptedKey = "encrypted_key"
        /// A private key of a type the caller cannot use (EC for DKIM, RSA where ES256 is wanted, DSA, RSA-PSS, …).
        case unsupportedKeyType = "unsupported_key_type"
        /// An EC key on a curve other than the one required (ES256 and Web Push need P-256).
        case wrongCurve = "wrong_curve"
        /// An RSA key outside the sizes verifiers accept.
        case badKeySize = "bad_key_size"
        /// libcrypto failed on a key it had accepted (allocation failure or a broken key).
        case keyUnusable = "key_unusable"
        /// A peer's public key (a Web Push `p256dh`) is not a 65-byte uncompressed point on P-256.
        case invalidPublicKey = "invalid_public_key"
        /// A Web Push `auth` secret that is not 16 bytes.
        case invalidAuthSecret = "invalid_auth_secret"
        /// A Web Push payload larger than one 4096-byte record can carry.
        case payloadTooLarge = "payload_too_large"
    }

    public let code: Code
    /// What failed and what a good value looks like.
    public let message: String
    /// The key file, when the key came from one.
    public let path: String?
    /// libcrypto's error queue text, or the system error, when there was one.
    public let cause: String?

    public init(_ code: Code, _ message: String, path: String? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.cause = cause
    }

    public var description: String {
        var text = path.map { "\($0): \(message)" } ?? message
        if let cause, !cause.isEmpty { text += " (\(cause))" }
        return text
    }

    /// The same error, naming the file the key was read from.
    func at(path: String) -> CryptoError {
        CryptoError(code, message, path: path, cause: cause)
    }

    /// Drains this thread's libcrypto error queue into one line. Draining also keeps a stale entry from being
    /// blamed on a later, unrelated call on the same thread.
    static func drainOpenSSLErrors() -> String? {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
