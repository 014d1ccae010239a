import COpenSSL

/// A DKIM private key (RSA 1024–4096 bits or Ed25519) loaded once from PEM and shared by every signing thread,
/// with the `p=` value for its DNS record. It signs only the DKIM way (`rsa-sha256`, `ed25519-sha256`); it is not a
/// general key API, never writes keys, and never asks for a passphrase: encrypted PEM is refused.
public struct DKIMKey: Sendable {
    public enum Algorithm: String, Sendable {
        case rsaSHA256 = "rsa-sha256"
        case ed25519SHA256 = "ed25519-sha256"
    }

    /// Detected from the key type.
    public let algorithm: Algorithm
    private let dnsValue: String
    private let key: KeyHandle

    /// Parses the first private key in `pem`: PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY` (RSA or Ed25519).
    public init(pem: String) throws(CryptoError) {
        let handle = try KeyHandle(
            pem: pem, purpose: "DKIM key",
            expected: "expected an unencrypted PEM private key: '-----BEGIN PRIVATE KEY-----' (PKCS#8, RSA or "
                + "Ed25519) or '-----BEGIN RSA PRIVATE KEY-----' (PKCS#1)")
        let pointer = handle.pointer
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA:
            let bits = EVP_PKEY_get_bits(pointer)
            // RFC 8301: signers MUST use at least 1024 bits; verifiers need only handle up to 4096.
            guard (1024...4096).contains(bits) else {
                throw CryptoError(
                    .badKeySize,
                    "the RSA key has \(bits) bits; RSA keys must be at least 1024 bits and at most 4096 bits; "
                        + "2048 recommended (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`)")
            }
            algorithm = .rsaSHA256
            dnsValue = Base64.encode(try Self.subjectPublicKeyInfo(pointer))
        case EVP_PKEY_ED25519:
            algorithm = .ed25519SHA256
            dnsValue = Base64.encode(try Self.rawPublicKey(pointer))
        default:
            throw CryptoError(
                .unsupportedKeyType,
                "the key is of type \(handle.typeName); DKIM signs with an RSA key (2048 bits recommended, "
                    + "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`) or an Ed25519 key "
                    + "(`openssl genpkey -algorithm ed25519`)")
        }
        key = handle
        // Sign once now: a key libcrypto cannot use fails at startup instead of at the first send, and the key's
        // provider-side copy is made here, before any other thread can see the key.
        _ = try signature(over: Array("herald dkim key self-test".utf8))
    }

    /// Reads `path` and parses it like `init(pem:)`; every error names the file.
    public init(pemFile path: String) throws(CryptoError) {
        let text = try KeyFile.read(path, purpose: "DKIM key")
        do {
            try self.init(pem: text)
        } catch {
            throw error.at(path: path)
        }
    }

    /// The `p=` value of the `{selector}._domainkey.{domain}` TXT record: for RSA the base64 DER
    /// SubjectPublicKeyInfo (`k=rsa`), for Ed25519 the base64 raw 32-byte public key (`k=ed25519`).
    public var publicKeyDNSValue: String { dnsValue }

    /// The DKIM `b=` signature over the header hash input. RSA: RSASSA-PKCS1-v1_5 with SHA-256 over the input.
    /// Ed25519 (RFC 8463): pure Ed25519 over the 32-byte SHA-256 of the input — hash first, then sign the digest.
    /// A fresh context per call keeps concurrent callers apart; the key itself is only read.
    func signature(over input: [UInt8]) throws(CryptoError) -> [UInt8] {
        let signature =
            algorithm == .rsaSHA256
            ? key.digestSign(input, digest: EVP_sha256()) : key.digestSign(Digest.sha256(input), digest: nil)
        guard let signature else { throw Self.unusable("EVP_DigestSign") }
        return signature
    }

    private static func subjectPublicKeyInfo(_ pointer: OpaquePointer) throws(CryptoError) -> [UInt8] {
        let length = i2d_PUBKEY(pointer, nil)
        guard length > 0 else { throw unusable("i2d_PUBKEY") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        guard written == length else { throw unusable("i2d_PUBKEY") }
        return der
    }

    private static func rawPublicKey(_ pointer: OpaquePointer) throws(CryptoError) -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: 32)
        var length = raw.count
        let status = raw.withUnsafeMutableBufferPointer {
            EVP_PKEY_get_raw_public_key(pointer, $0.baseAddress, &length)
        }
        guard status == 1, length == 32 else { throw unusable("EVP_PKEY_get_raw_public_key") }
        return raw
    }

    private static func unusable(_ function: String) -> CryptoError {
        CryptoError(
            .keyUnusable, "libcrypto could not use the DKIM key (\(function) failed); regenerate the key",
            cause: CryptoError.drainOpenSSLErrors())
    }
}
