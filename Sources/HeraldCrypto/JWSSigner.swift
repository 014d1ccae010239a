/// A key that can produce a JWS signature (RFC 7515) over a signing input, named by its `alg` header value. The
/// one requirement `JWT.sign` needs; `P256SigningKey` (ES256) and `RSASigningKey` (RS256) conform. Not a verifier.
public protocol JWSSigner: Sendable {
    /// The JWS `alg` value, such as "ES256"; the caller puts it in the header it serialises.
    var algorithm: String { get }
    /// The signature in JWS form (for ES256 the raw 64-byte R || S, not DER).
    func sign(_ message: [UInt8]) -> [UInt8]
}
