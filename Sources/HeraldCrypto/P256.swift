import COpenSSL

/// The P-256 pieces that ES256 signing and Web Push key agreement share: the curve check on a loaded key, the
/// 65-byte uncompressed public point (RFC 8291's `p256dh`, RFC 8292's `k`) in and out, and key generation. Internal:
/// callers see `P256SigningKey` and `P256KeyAgreement`, never an `EVP_PKEY`.
enum P256 {
    /// Length of an uncompressed SEC1 point: 0x04 || X(32) || Y(32).
    static let publicKeyLength = 65
    /// Length of a private scalar, an ECDH shared secret and each half of an ES256 signature.
    static let scalarLength = 32

    /// The DER SubjectPublicKeyInfo prefix for an uncompressed P-256 point (SEQUENCE { SEQUENCE { id-ecPublicKey,
    /// prime256v1 }, BIT STRING (66 bytes, no unused bits) }). Prefixing it lets `d2i_PUBKEY` import a raw point
    /// without the OSSL_PARAM plumbing, and the curve is fixed by these bytes rather than by the input.
    private static let subjectPublicKeyInfoPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48,
        0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]

    /// Refuses anything but an EC key on P-256. `purpose` and `hint` go into the messages.
    static func requireP256(_ key: KeyHandle, purpose: String, hint: String) throws(CryptoError) {
        guard EVP_PKEY_get_base_id(key.pointer) == EVP_PKEY_EC else {
            throw CryptoError(
                .unsupportedKeyType, "the \(purpose) is of type \(key.typeName); expected an EC P-256 key (\(hint))")
        }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        let status = name.withUnsafeMutableBufferPointer {
            EVP_PKEY_get_group_name(key.pointer, $0.baseAddress, $0.count, &length)
        }
        let group =
            status == 1 ? String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        // libcrypto reports the curve by its X9.62 name; "P-256" is the NIST alias for the same curve.
        guard group == "prime256v1" || group == "P-256" else {
            throw CryptoError(
                .wrongCurve, "the \(purpose) is on curve \(group); ES256 and Web Push need P-256 (\(hint))",
                cause: CryptoError.drainOpenSSLErrors())
        }
    }

    /// The key's public point, uncompressed; nil if libcrypto cannot produce it in that form.
    static func publicKey(of key: KeyHandle) -> [UInt8]? {
        var point = [UInt8](repeating: 0, count: publicKeyLength + 1)
        var length = 0
        let status = point.withUnsafeMutableBufferPointer {
            EVP_PKEY_get_octet_string_param(key.pointer, "encoded-pub-key", $0.baseAddress, $0.count, &length)
        }
        guard status == 1, length == publicKeyLength, point[0] == 0x04 else { return nil }
        return Array(point.prefix(length))
    }

    /// Imports a peer's uncompressed point and checks it lies on P-256, as RFC 8291 §7 requires before ECDH: the
    /// point at infinity, coordinates outside the field and off-curve points are all refused.
    static func importPublicKey(_ point: [UInt8]) throws(CryptoError) -> KeyHandle {
        let good = "a good key is the subscription's keys.p256dh: 65 bytes (87 base64url characters) starting 0x04"
        guard point.count == publicKeyLength, point[0] == 0x04 else {
            throw CryptoError(
                .invalidPublicKey,
                "the public key is \(point.count) bytes starting \(point.first.map { hex($0) } ?? "-"); " + good)
        }
        let der = subjectPublicKeyInfoPrefix + point
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let parsed else {
            throw CryptoError(
                .invalidPublicKey, "the public key is not a point on P-256; " + good,
                cause: CryptoError.drainOpenSSLErrors())
        }
        let key = KeyHandle(owning: parsed)
        // d2i already rejects most bad points; the explicit check is what RFC 8291 asks for, not an accident of
        // the decoder, and also covers the range and subgroup conditions.
        guard let context = EVP_PKEY_CTX_new(key.pointer, nil) else {
            preconditionFailure("EVP_PKEY_CTX_new failed: out of memory")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else {
            throw CryptoError(
                .invalidPublicKey, "the public key is not a valid point on P-256; " + good,
                cause: CryptoError.drainOpenSSLErrors())
        }
        return key
    }

    /// A fresh key pair from the system's random source.
    static func generate() -> KeyHandle {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            preconditionFailure("EVP_PKEY_CTX_new_from_name(EC) failed: \(CryptoError.drainOpenSSLErrors() ?? "")")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        // Failure here means no memory or no entropy; the daemon cannot encrypt either way.
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "prime256v1") == 1,
            EVP_PKEY_generate(context, &generated) == 1, let generated
        else {
            preconditionFailure("P-256 key generation failed: \(CryptoError.drainOpenSSLErrors() ?? "")")
        }
        return KeyHandle(owning: generated)
    }

    /// A key from a raw 32-byte private scalar, for reproducing published test vectors. It wraps the scalar in a
    /// SEC1 `ECPrivateKey` without the optional public key, which libcrypto's decoder then computes.
    static func privateKey(scalar: [UInt8]) -> KeyHandle? {
        guard scalar.count == scalarLength else { return nil }
        let sec1: [UInt8] =
            [0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20] + scalar
            + [0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
        let parsed: OpaquePointer? = sec1.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_PrivateKey(EVP_PKEY_EC, nil, &cursor, buffer.count)
        }
        ERR_clear_error()
        return parsed.map { KeyHandle(owning: $0) }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return "0x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
    }
}
