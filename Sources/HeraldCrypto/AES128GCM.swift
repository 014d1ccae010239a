import COpenSSL

/// AES-128-GCM sealing over libcrypto's EVP interface: the record cipher of RFC 8188 `aes128gcm`, which Web Push
/// uses. Seal only: Herald sends and never decrypts. The caller owns nonce uniqueness; `WebPushCipher` gets it by
/// deriving a fresh key per message.
public enum AES128GCM {
    public static let keyLength = 16
    public static let nonceLength = 12
    public static let tagLength = 16

    /// Ciphertext followed by the 16-byte tag. A wrong key or nonce length is a programming error and traps.
    public static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], aad: [UInt8] = []) -> [UInt8] {
        precondition(
            key.count == keyLength && nonce.count == nonceLength, "AES-128-GCM needs a 16-byte key, 12-byte nonce")
        guard let context = EVP_CIPHER_CTX_new() else { preconditionFailure("EVP_CIPHER_CTX_new: out of memory") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        let ok = output.withUnsafeMutableBufferPointer { out -> Bool in
            guard let base = out.baseAddress,
                EVP_EncryptInit_ex(context, EVP_aes_128_gcm(), nil, nil, nil) == 1,
                EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceLength), nil) == 1,
                EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1
            else { return false }
            var written: Int32 = 0
            if !aad.isEmpty {
                guard EVP_EncryptUpdate(context, nil, &written, aad, Int32(aad.count)) == 1 else { return false }
            }
            var total = 0
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(context, base, &written, plaintext, Int32(plaintext.count)) == 1 else {
                    return false
                }
                total = Int(written)
            }
            guard EVP_EncryptFinal_ex(context, base + total, &written) == 1 else { return false }
            total += Int(written)
            guard total == plaintext.count else { return false }
            return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagLength), base + total) == 1
        }
        // With valid lengths GCM cannot fail except on allocation; a daemon without memory cannot send either way.
        precondition(ok, "AES-128-GCM failed in libcrypto: \(CryptoError.drainOpenSSLErrors() ?? "no reason given")")
        return output
    }
}
