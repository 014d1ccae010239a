import COpenSSL

/// An ES256 signing key (ECDSA on P-256 with SHA-256) loaded once from PEM: Apple's APNs `.p8` (PKCS#8
/// `PRIVATE KEY`) or a VAPID key from `openssl ecparam` (SEC1 `EC PRIVATE KEY`). Signatures are in JWS form, the raw
/// 64-byte R || S (PROTOCOLS §0.1), not DER. It never asks for a passphrase (encrypted PEM is refused), never
/// writes keys, and is not for ECDH: Web Push encryption uses `P256KeyAgreement`, and RFC 8292 wants the VAPID key
/// kept apart from any ECDH key anyway.
public struct P256SigningKey: JWSSigner, PEMKeyFile {
    public static let purpose = "ES256 signing key"

    public var algorithm: String { "ES256" }
    /// The uncompressed public point, 65 bytes starting 0x04: VAPID's `k=` and the browser's `applicationServerKey`.
    public let publicKey: [UInt8]
    private let key: KeyHandle

    private static let hint =
        "an APNs .p8 file ('-----BEGIN PRIVATE KEY-----'), or for VAPID "
        + "`openssl ecparam -name prime256v1 -genkey -noout -out vapid.pem` ('-----BEGIN EC PRIVATE KEY-----')"

    /// Parses the first private key in `pem`: PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`, on P-256.
    public init(pem: String) throws(CryptoError) {
        let handle = try KeyHandle(
            pem: pem, purpose: Self.purpose,
            expected: "expected an unencrypted PEM P-256 private key: " + Self.hint)
        try P256.requireP256(handle, purpose: Self.purpose, hint: Self.hint)
        guard let point = P256.publicKey(of: handle) else { throw Self.unusable("EVP_PKEY_get_octet_string_param") }
        key = handle
        publicKey = point
        // Sign once now: a key libcrypto cannot use fails at startup instead of at the first push, and the key's
        // provider-side copy is made here, before any other thread can see the key.
        guard Self.rawSignature(key, Array("herald es256 key self-test".utf8)) != nil else {
            throw Self.unusable("EVP_DigestSign")
        }
    }

    /// ECDSA P-256 over SHA-256 of `message`, as R || S, each left-padded to 32 bytes. Each call draws a fresh
    /// nonce, so two signatures of one message differ; both verify.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        // The self-test in init proved this key signs; failing now means libcrypto ran out of memory.
        guard let signature = Self.rawSignature(key, message) else {
            preconditionFailure("ES256 signing failed: \(CryptoError.drainOpenSSLErrors() ?? "no reason given")")
        }
        return signature
    }

    private static func rawSignature(_ key: KeyHandle, _ message: [UInt8]) -> [UInt8]? {
        guard let der = key.digestSign(message, digest: EVP_sha256()) else { return nil }
        return rawFromDER(der)
    }

    /// Converts the DER `ECDSA-Sig-Value` libcrypto produces to the fixed-width JWS form.
    static func rawFromDER(_ der: [UInt8]) -> [UInt8]? {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { return nil }
        defer { ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(parsed, &r, &s)
        var raw = [UInt8](repeating: 0, count: 2 * P256.scalarLength)
        let written = raw.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            let width = Int32(P256.scalarLength)
            return BN_bn2binpad(r, base, width) == width && BN_bn2binpad(s, base + P256.scalarLength, width) == width
        }
        return written ? raw : nil
    }

    private static func unusable(_ function: String) -> CryptoError {
        CryptoError(
            .keyUnusable, "libcrypto could not use the ES256 signing key (\(function) failed); regenerate the key",
            cause: CryptoError.drainOpenSSLErrors())
    }
}
