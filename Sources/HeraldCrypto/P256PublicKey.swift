import COpenSSL

/// A P-256 public key from DER SubjectPublicKeyInfo, for checking ECDSA-SHA256 signatures made elsewhere: SendGrid's
/// signed Event Webhook gives its verification key as base64 of that DER (`MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`,
/// no PEM armor) and signs with an ASN.1 DER `(r, s)` (PROTOCOLS §9.5). Not the JWS form (`P256SigningKey` makes
/// raw R || S) and not for ECDH (`P256KeyAgreement`).
public struct P256PublicKey: Sendable {
    private let key: KeyHandle
    /// The uncompressed point, 65 bytes starting 0x04.
    public let point: [UInt8]

    private static let good =
        "a good key is the base64 DER SubjectPublicKeyInfo of a P-256 key, 124 characters starting MFkwEwYHKoZIzj0CAQYI"

    /// `MFkw…`: base64 (either alphabet, padded or not) of the DER SubjectPublicKeyInfo. Surrounding spaces and line
    /// breaks, as a copy from a web page brings them, are ignored.
    public init(base64DER text: String) throws(CryptoError) {
        let compact = String(text.unicodeScalars.filter { !" \t\r\n".unicodeScalars.contains($0) })
        guard let der = Base64.decode(compact) else {
            throw CryptoError(.invalidPublicKey, "the public key is not base64; " + Self.good)
        }
        try self.init(der: der)
    }

    public init(der: [UInt8]) throws(CryptoError) {
        var consumed = 0
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = start
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            consumed = cursor.map { $0 - start } ?? 0
            return key
        }
        guard let parsed else {
            throw CryptoError(
                .invalidPublicKey, "the public key is not a DER SubjectPublicKeyInfo; " + Self.good,
                cause: CryptoError.drainOpenSSLErrors())
        }
        let handle = KeyHandle(owning: parsed)
        // Trailing bytes would mean the text was two things glued together; refuse rather than guess.
        guard consumed == der.count else {
            throw CryptoError(
                .invalidPublicKey, "the public key has \(der.count - consumed) bytes after its DER; " + Self.good)
        }
        try P256.requireP256(handle, purpose: "ECDSA verification key", hint: Self.good)
        guard let context = EVP_PKEY_CTX_new(handle.pointer, nil) else {
            preconditionFailure("EVP_PKEY_CTX_new failed: out of memory")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1, let point = P256.publicKey(of: handle),
            handle.primeVerification(digest: EVP_sha256())
        else {
            throw CryptoError(
                .invalidPublicKey, "the public key is not a valid point on P-256; " + Self.good,
                cause: CryptoError.drainOpenSSLErrors())
        }
        key = handle
        self.point = point
    }

    /// Whether `derSignature` (an ASN.1 DER `ECDSA-Sig-Value`) is an ECDSA signature over SHA-256 of `message`.
    public func verify(derSignature: [UInt8], message: [UInt8]) -> Bool {
        key.digestVerify(derSignature, message: message, digest: EVP_sha256())
    }
}
