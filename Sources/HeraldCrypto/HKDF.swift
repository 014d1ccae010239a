/// HKDF with SHA-256 (RFC 5869) over `Digest.hmacSHA256`, for the Web Push key schedule (RFC 8291 §3.3, RFC 8188
/// §2.2). Extract and expand are separate because RFC 8291 chains them twice with different salts. Not a password
/// KDF: its inputs are already high-entropy secrets.
public enum HKDF {
    /// SHA-256's output length, the pseudorandom key's length.
    public static let hashLength = 32

    /// PRK = HMAC-SHA-256(salt, IKM).
    public static func extract(salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
        Digest.hmacSHA256(key: salt, data: inputKeyMaterial)
    }

    /// The first `length` bytes of T(1) || T(2) || …, T(n) = HMAC(PRK, T(n-1) || info || n). `length` is at most
    /// 255 × 32 bytes (RFC 5869 §2.3); callers here ask for 12, 16 or 32.
    public static func expand(pseudoRandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        precondition((0...255 * hashLength).contains(length), "HKDF-Expand length \(length) is outside 0...8160")
        var output: [UInt8] = []
        output.reserveCapacity(length + hashLength)
        var block: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            block = Digest.hmacSHA256(key: pseudoRandomKey, data: block + info + [counter])
            output += block
            counter &+= 1
        }
        return Array(output.prefix(length))
    }
}
