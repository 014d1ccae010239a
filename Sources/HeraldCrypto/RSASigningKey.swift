import COpenSSL

/// An RS256 signing key (RSASSA-PKCS1-v1_5 with SHA-256) loaded once from PEM: the `private_key` of a Google
/// service-account JSON, for the OAuth assertion FCM's access token is minted from (PROTOCOLS §3.2). The PEM is the
/// JSON string's value after the JSON parser has turned `\n` into newlines. Not the DKIM key type: this one demands
/// 2048 bits, the floor for RS256 in RFC 7518 §3.3, and never asks for a passphrase.
public struct RSASigningKey: JWSSigner, PEMKeyFile {
    public static let purpose = "RS256 signing key"

    public var algorithm: String { "RS256" }
    /// The modulus size, for logs.
    public let bits: Int
    private let key: KeyHandle

    /// RFC 7518 §3.3 requires at least 2048; the upper bound only keeps a mistaken key from making each token slow.
    static let allowedBits = 2048...8192

    private static let hint =
        "the private_key of a Google service-account JSON ('-----BEGIN PRIVATE KEY-----'), or "
        + "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`"

    /// Parses the first private key in `pem`: PKCS#8 `PRIVATE KEY` (or PKCS#1 `RSA PRIVATE KEY`), RSA 2048–8192 bits.
    public init(pem: String) throws(CryptoError) {
        let handle = try KeyHandle(
            pem: pem, purpose: Self.purpose,
            expected: "expected an unencrypted PEM RSA private key: " + Self.hint)
        // EVP_PKEY_RSA_PSS keys have a different base id and are refused here: they cannot make PKCS#1 v1.5 signatures.
        guard EVP_PKEY_get_base_id(handle.pointer) == EVP_PKEY_RSA else {
            throw CryptoError(
                .unsupportedKeyType,
                "the RS256 signing key is of type \(handle.typeName); expected an RSA key (\(Self.hint))")
        }
        let bits = Int(EVP_PKEY_get_bits(handle.pointer))
        guard Self.allowedBits.contains(bits) else {
            throw CryptoError(
                .badKeySize,
                "the RSA key has \(bits) bits; RS256 keys must be at least 2048 bits and at most 8192 bits "
                    + "(\(Self.hint))")
        }
        self.bits = bits
        key = handle
        // Sign once now: a key libcrypto cannot use fails at startup instead of at the first token, and the key's
        // provider-side copy is made here, before any other thread can see the key.
        guard key.digestSign(Array("herald rs256 key self-test".utf8), digest: EVP_sha256()) != nil else {
            throw CryptoError(
                .keyUnusable,
                "libcrypto could not use the RS256 signing key (EVP_DigestSign failed); regenerate the key",
                cause: CryptoError.drainOpenSSLErrors())
        }
    }

    /// PKCS#1 v1.5 over SHA-256 of `message`; as long as the modulus, and deterministic.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        // The self-test in init proved this key signs; failing now means libcrypto ran out of memory.
        guard let signature = key.digestSign(message, digest: EVP_sha256()) else {
            preconditionFailure("RS256 signing failed: \(CryptoError.drainOpenSSLErrors() ?? "no reason given")")
        }
        return signature
    }
}
