import COpenSSL

/// The other side of what HeraldCrypto produces, written straight against libcrypto so tests check Herald's output
/// against an implementation that is not Herald's: ES256 and RS256 verification, ECDH and HMAC for the browser
/// side of Web Push, AES-128-GCM opening. Herald only signs and encrypts, so none of this ships; shared by the
/// crypto and push plugin tests, so the one copy is the one reviewed.
public enum Libcrypto {
    /// SubjectPublicKeyInfo prefix for an uncompressed P-256 point (id-ecPublicKey, prime256v1).
    public static let spkiPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
        0x86, 0x48,
        0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]

    public static func publicKey(_ point: [UInt8]) -> OpaquePointer? {
        let der = spkiPrefix + point
        return der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
    }

    public static func ecdh(_ key: OpaquePointer, peer point: [UInt8]) -> [UInt8]? {
        guard let peer = publicKey(point), let context = EVP_PKEY_CTX_new(key, nil) else { return nil }
        defer {
            EVP_PKEY_free(peer)
            EVP_PKEY_CTX_free(context)
        }
        var length = 0
        guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_derive_set_peer(context, peer) == 1,
            EVP_PKEY_derive(context, nil, &length) == 1
        else { return nil }
        var secret = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_derive(context, &secret, &length) == 1 else { return nil }
        return Array(secret.prefix(length))
    }

    public static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &out, &length) != nil)
        return out
    }

    /// Verifies a JWS ES256 signature (raw R || S) against a 65-byte uncompressed P-256 public key.
    public static func verifyES256(signature: [UInt8], message: [UInt8], publicKey point: [UInt8]) -> Bool {
        guard signature.count == 64, let key = publicKey(point), let sig = ECDSA_SIG_new() else {
            return false
        }
        defer {
            EVP_PKEY_free(key)
            ECDSA_SIG_free(sig)
        }
        let r = BN_bin2bn(signature, 32, nil)
        let s = signature.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + 32, 32, nil) }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else { return false }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return false }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let ok = EVP_DigestVerify(context, der, der.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }

    /// AES-128-GCM open of ciphertext || tag; nil when the tag does not verify.
    public static func openAES128GCM(key: [UInt8], nonce: [UInt8], sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 16, let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        var tag = Array(sealed.suffix(16))
        let ciphertext = Array(sealed.dropLast(16))
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_128_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(context, &plaintext, &written, ciphertext, Int32(ciphertext.count)) == 1
        else { return nil }
        let total = Int(written)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else { return nil }
        let final = plaintext.withUnsafeMutableBufferPointer {
            EVP_DecryptFinal_ex(context, $0.baseAddress! + total, &written)
        }
        ERR_clear_error()
        guard final == 1 else { return nil }
        return Array(plaintext.prefix(total + Int(written)))
    }

    /// Verifies an RS256 signature with the public half of a PEM private key.
    public static func verifyRS256(signature: [UInt8], message: [UInt8], privateKeyPEM: String) -> Bool {
        let pem = Array(privateKeyPEM.utf8)
        let key: OpaquePointer? = pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { _ = BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let ok = EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }
}
