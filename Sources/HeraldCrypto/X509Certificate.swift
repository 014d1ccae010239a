import COpenSSL

/// One X.509 certificate read from PEM, kept only for its public key: the signing certificate Amazon SNS names in
/// `SigningCertURL`, whose RSA key verifies a notification's `Signature` (PKCS#1 v1.5 with SHA-1 for
/// `SignatureVersion` 1, SHA-256 for 2; PROTOCOLS §9.5). Not a chain or expiry validator: trust in the certificate
/// comes from where it was fetched (an https URL on an allowed host, TLS-verified by libcurl), which is how AWS's
/// own validators work, so nothing here looks at issuer, dates or extensions.
public struct X509Certificate: Sendable {
    public enum Hash: String, Sendable {
        case sha1, sha256
    }

    private let key: KeyHandle
    /// The certificate's SubjectPublicKeyInfo, DER.
    public let publicKeyDER: [UInt8]

    /// Parses the first `CERTIFICATE` block in `pem`.
    public init(pem: String) throws(CryptoError) {
        try self.init(pem: Array(pem.utf8))
    }

    public init(pem bytes: [UInt8]) throws(CryptoError) {
        let expected = "expected a PEM certificate ('-----BEGIN CERTIFICATE-----')"
        guard !bytes.isEmpty, bytes.count <= Int(Int32.max) else {
            throw CryptoError(.invalidPEM, "no certificate found; " + expected)
        }
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            // BIO_free reports only a NULL argument or a refcount underflow, neither possible here.
            defer { _ = BIO_free(bio) }
            // A certificate is never encrypted; the callback refuses to prompt should the PEM claim otherwise.
            return PEM_read_bio_X509(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let certificate = parsed else {
            throw CryptoError(.invalidPEM, "no certificate found; " + expected, cause: CryptoError.drainOpenSSLErrors())
        }
        defer { X509_free(certificate) }
        // X509_get_pubkey returns a reference of its own, so the key outlives the certificate freed above.
        guard let publicKey = X509_get_pubkey(certificate) else {
            throw CryptoError(
                .invalidPublicKey, "the certificate's public key cannot be read; " + expected,
                cause: CryptoError.drainOpenSSLErrors())
        }
        let handle = KeyHandle(owning: publicKey)
        let length = i2d_PUBKEY(publicKey, nil)
        var der = [UInt8](repeating: 0, count: max(Int(length), 0))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(publicKey, &cursor)
        }
        guard length > 0, written == length, handle.primeVerification(digest: EVP_sha256()) else {
            throw CryptoError(
                .keyUnusable, "libcrypto could not use the certificate's public key",
                cause: CryptoError.drainOpenSSLErrors())
        }
        // PEM decoding tries several formats and may leave entries behind even on success.
        ERR_clear_error()
        key = handle
        publicKeyDER = der
    }

    /// libcrypto's name for the public key's type ("RSA", "EC").
    public var keyType: String { key.typeName }

    /// Whether `signature` is an RSASSA-PKCS1-v1_5 signature over `message` with `hash`, by this certificate's key.
    /// False for any other key type, so an EC certificate cannot stand in for an RSA one.
    public func verifyRSA(signature: [UInt8], message: [UInt8], hash: Hash) -> Bool {
        guard EVP_PKEY_get_base_id(key.pointer) == EVP_PKEY_RSA else { return false }
        return key.digestVerify(signature, message: message, digest: hash == .sha1 ? EVP_sha1() : EVP_sha256())
    }
}
