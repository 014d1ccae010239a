import COpenSSL

/// An ECDH key pair on P-256, the application server's side of Web Push key agreement (RFC 8291 §3.1): generate one
/// per message, send `publicKey`, derive the shared secret with the subscriber's `p256dh`. Not for signing (VAPID
/// uses `P256SigningKey`, a separate long-lived key), and not persisted: the private half never leaves the process.
public struct P256KeyAgreement: Sendable {
    /// The uncompressed public point, 65 bytes starting 0x04 (`as_public` in RFC 8291).
    public let publicKey: [UInt8]
    private let key: KeyHandle

    /// A fresh key pair from the system's random source.
    public init() {
        let handle = P256.generate()
        guard let point = P256.publicKey(of: handle) else {
            preconditionFailure("a generated P-256 key has no uncompressed public point")
        }
        key = handle
        publicKey = point
    }

    /// A key pair from a known 32-byte private scalar, so tests can reproduce RFC 8291 Appendix A. Production code
    /// must use `init()`: a repeated ephemeral key repeats the content key.
    init(privateScalar: [UInt8]) throws(CryptoError) {
        guard let handle = P256.privateKey(scalar: privateScalar), let point = P256.publicKey(of: handle) else {
            throw CryptoError(
                .keyUnusable, "the private scalar is not a P-256 private key; expected 32 bytes below the group order")
        }
        key = handle
        publicKey = point
    }

    /// ECDH with a peer's uncompressed public point: the 32-byte x-coordinate of the shared point (`ecdh_secret`).
    /// Throws `invalid_public_key` unless the peer's point is on P-256.
    public func sharedSecret(peerPublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        sharedSecret(peer: try P256.importPublicKey(peerPublicKey))
    }

    /// ECDH with an already imported and checked peer key.
    func sharedSecret(peer: KeyHandle) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new(key.pointer, nil) else {
            preconditionFailure("EVP_PKEY_CTX_new: out of memory")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var secret = [UInt8](repeating: 0, count: P256.scalarLength)
        var length = secret.count
        // The peer was checked on import; validating it again here (the `_ex` flag) would only repeat that work.
        let ok =
            EVP_PKEY_derive_init(context) == 1 && EVP_PKEY_derive_set_peer_ex(context, peer.pointer, 0) == 1
            && secret.withUnsafeMutableBufferPointer { EVP_PKEY_derive(context, $0.baseAddress, &length) } == 1
        // Both keys are on P-256 and the peer passed EVP_PKEY_public_check, so only allocation can fail.
        precondition(ok && length == P256.scalarLength, "ECDH failed: \(CryptoError.drainOpenSSLErrors() ?? "")")
        return secret
    }
}
