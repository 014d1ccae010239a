import COpenSSL

/// A key pair generated fresh by libcrypto for one test, playing the part of a provider: it signs webhook payloads
/// the way SNS (RSA, SHA-1 or SHA-256) and SendGrid (ECDSA P-256, DER) do, hands out its public half as DER
/// SubjectPublicKeyInfo, and issues a self-signed certificate (`TestKeyPair+Certificate.swift`). Written straight
/// against libcrypto, not through HeraldCrypto, so Herald's verifiers are checked against an independent signer.
/// Not Sendable: a test uses it on one thread and passes only the bytes it makes to Herald.
public final class TestKeyPair {
    public let pointer: OpaquePointer

    public enum Digest {
        case sha1, sha256

        var md: OpaquePointer? { self == .sha1 ? EVP_sha1() : EVP_sha256() }
    }

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    /// An RSA key of `bits` bits (2048: what SNS certificates carry).
    public static func rsa(bits: Int32 = 2048) -> TestKeyPair {
        generate("RSA") { EVP_PKEY_CTX_set_rsa_keygen_bits($0, bits) == 1 }
    }

    public static func p256() -> TestKeyPair {
        generate("EC") { EVP_PKEY_CTX_set_group_name($0, "prime256v1") == 1 }
    }

    private static func generate(_ type: String, configure: (OpaquePointer) -> Bool) -> TestKeyPair {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { preconditionFailure("no \(type) keygen") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, configure(context), EVP_PKEY_generate(context, &key) == 1, let key
        else { preconditionFailure("\(type) key generation failed") }
        return TestKeyPair(pointer: key)
    }

    /// `EVP_DigestSign`: PKCS#1 v1.5 for an RSA key, DER `(r, s)` for an EC key.
    public func sign(_ message: [UInt8], digest: Digest = .sha256) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        precondition(EVP_DigestSignInit(context, nil, digest.md, nil, pointer) == 1, "EVP_DigestSignInit")
        var length = 0
        precondition(EVP_DigestSign(context, nil, &length, message, message.count) == 1, "EVP_DigestSign size")
        var signature = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(context, &signature, &length, message, message.count) == 1, "EVP_DigestSign")
        return Array(signature.prefix(length))
    }

    /// The public half as DER SubjectPublicKeyInfo (base64 of it is SendGrid's `MFkw…` verification key).
    public var subjectPublicKeyInfo: [UInt8] {
        let length = i2d_PUBKEY(pointer, nil)
        precondition(length > 0, "i2d_PUBKEY")
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        return der
    }
}
