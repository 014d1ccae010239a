import HeraldCrypto
import HeraldPluginAPI

/// Proof from the shop's backend that a page speaks for a visitor until a time: `sig` is the lower-case hex
/// HMAC-SHA256, under the channel's visitor secret, of `VISITOR.EXP` (EXP in Unix seconds). Three lines in any
/// language (README); compared in constant time.
struct VisitorSignature: Sendable {
    let secret: [UInt8]

    enum Failure: String, Error {
        case missing = "missing visitor, exp or sig"
        case expired = "the signature has expired"
        case bad = "bad signature"
        case badVisitor = "a visitor id is 1–128 characters of A–Z a–z 0–9 - _ . : @"
    }

    func sign(visitor: String, exp: Int64) -> String {
        Hex.lowercase(Digest.hmacSHA256(key: secret, data: Array("\(visitor).\(exp)".utf8)))
    }

    /// The visitor, when `sig` proves it and `exp` (seconds) is later than `now` (ms).
    func verify(visitor: String?, exp: String?, sig: String?, now: Int64) -> Result<String, Failure> {
        guard let visitor, let exp, let sig, let expiry = Int64(exp) else { return .failure(.missing) }
        guard Self.isVisitorID(visitor) else { return .failure(.badVisitor) }
        guard Self.equal(Array(sign(visitor: visitor, exp: expiry).utf8), Array(sig.lowercased().utf8)) else {
            return .failure(.bad)
        }
        guard expiry * 1000 > now else { return .failure(.expired) }
        return .success(visitor)
    }

    static func isVisitorID(_ text: String) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= 128
            && bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                    UInt8(ascii: ":"), UInt8(ascii: "@"):
                    true
                default: false
                }
            }
    }

    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
