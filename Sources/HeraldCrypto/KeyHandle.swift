import COpenSSL

/// Owns one `EVP_PKEY` — a loaded private key, a generated ephemeral key or an imported public key — freed when the
/// last value holding it goes away. It parses PEM and signs digests for the key types built on it (`DKIMKey`,
/// `P256SigningKey`, `RSASigningKey`, `P256KeyAgreement`); deciding which key types and sizes are acceptable is
/// theirs, not this type's.
///
/// `@unchecked Sendable` is safe because: the pointer is set once in `init` and never reassigned; nothing in
/// Herald mutates the key after loading or generation (no set0/set1 calls); openssl-threads(7) states objects are
/// thread-safe as long as the calls made don't modify them, and the only calls made after `init` are const getters,
/// `EVP_DigestSignInit`, `EVP_DigestVerifyInit` and `EVP_PKEY_CTX_new`, which up-ref the key atomically and cache its
/// provider export under the key's own lock. The signing keys, shared across threads, fill that cache with a
/// self-test signature in their own `init`, and the shared verification keys (`X509Certificate`, `P256PublicKey`)
/// with `primeVerification`; ephemeral ECDH keys and imported peer keys are used by the one call that made them.
final class KeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Parses the first private key in `pem`. `purpose` names the key in messages; `expected` says which PEM blocks
    /// the caller accepts.
    init(pem: String, purpose: String, expected: String) throws(CryptoError) {
        // Both PKCS#8 `ENCRYPTED PRIVATE KEY` and legacy `Proc-Type: 4,ENCRYPTED` headers contain the word.
        guard !pem.contains("ENCRYPTED") else {
            throw CryptoError(
                .encryptedKey,
                "the \(purpose) is passphrase-protected; store it unencrypted and readable only by the daemon "
                    + "(`openssl pkey -in key.pem -out plain.pem`, then chmod 600)")
        }
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty, bytes.count <= Int(Int32.max) else {
            throw CryptoError(.invalidPEM, "no private key found; " + expected)
        }
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            // BIO_free reports only a NULL argument or a refcount underflow, neither possible here.
            defer { _ = BIO_free(bio) }
            // A callback that supplies no passphrase: the default one would prompt on the daemon's terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let parsed else {
            throw CryptoError(
                .invalidPEM, "no private key found; " + expected, cause: CryptoError.drainOpenSSLErrors())
        }
        // The decoders try several formats and may leave entries behind even on success.
        ERR_clear_error()
        pointer = parsed
    }

    /// Takes ownership of a key libcrypto has just made; the caller must not free it.
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    /// `EVP_DigestSign` with `digest` (nil for algorithms that hash internally, such as Ed25519); nil when
    /// libcrypto fails, with its error queue left for the caller to drain. A fresh context per call keeps
    /// concurrent callers apart; the key itself is only read.
    func digestSign(_ message: [UInt8], digest: OpaquePointer?) -> [UInt8]? {
        guard let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, digest, nil, pointer) == 1 else { return nil }
        let capacity = Int(EVP_PKEY_get_size(pointer))
        guard capacity > 0 else { return nil }
        var signature = [UInt8](repeating: 0, count: capacity)
        var length = capacity
        let status = message.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { output in
                EVP_DigestSign(context, output.baseAddress, &length, input.baseAddress, input.count)
            }
        }
        guard status == 1, length <= capacity else { return nil }
        return Array(signature.prefix(length))
    }

    /// libcrypto's name for the key type ("RSA", "EC", "ED25519"), for messages.
    var typeName: String {
        EVP_PKEY_get0_type_name(pointer).map { String(cString: $0) } ?? "unknown"
    }
}
