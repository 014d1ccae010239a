import COpenSSL

/// Signature verification on a `KeyHandle` holding a public key (an SNS signing certificate's RSA key, SendGrid's
/// P-256 key). Kept apart from signing because a verifier answers a yes or no for untrusted input and must leave
/// nothing behind in libcrypto's per-thread error queue, where a later, unrelated call would find it.
extension KeyHandle {
    /// `EVP_DigestVerify` of `signature` over `message` hashed with `digest`. A fresh context per call keeps
    /// concurrent callers apart; the key is only read. False for a bad signature and for any libcrypto failure.
    func digestVerify(_ signature: [UInt8], message: [UInt8], digest: OpaquePointer?) -> Bool {
        defer { ERR_clear_error() }
        guard !signature.isEmpty, let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, digest, nil, pointer) == 1 else { return false }
        let status = signature.withUnsafeBufferPointer { signed in
            message.withUnsafeBufferPointer { input in
                EVP_DigestVerify(context, signed.baseAddress, signed.count, input.baseAddress, input.count)
            }
        }
        // 0 is a signature that does not match, a negative value one that does not even parse: both are "no".
        return status == 1
    }

    /// Sets up one verification and throws it away, so the provider-side copy of the key that libcrypto caches on
    /// first use is made while only the loading thread can see the key (see `KeyHandle`).
    func primeVerification(digest: OpaquePointer?) -> Bool {
        defer { ERR_clear_error() }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        return EVP_DigestVerifyInit(context, nil, digest, nil, pointer) == 1
    }
}
