/// The opaque, hard-to-forge token in List-Unsubscribe URLs (RFC 8058, PROTOCOLS.md §1.8): it names who asked to
/// stop receiving what, and only Herald's secret can make one. It is signed, not encrypted — anyone holding a
/// token can read the recipient — and it never expires; revoking means rotating the secret.
///
/// Format: `v1.` + base64url-unpadded(payload) + `.` + base64url-unpadded(HMAC-SHA256(secret, "v1." + that
/// base64 text)), where payload is the UTF-8 text `kind` LF `recipient` LF `campaign` (campaign empty when nil).
/// The token uses only `A–Z a–z 0–9 - _ .`, so it needs no escaping in a URL path, query or mailto subject.
public enum UnsubscribeToken {
    private static let prefix = "v1."
    private static let macLength = 32

    /// The signed claims. A campaign of `""` and `nil` are the same claim; `verify` returns `nil`.
    public struct Claims: Sendable, Equatable {
        public var kind: String
        public var recipient: String
        public var campaign: String?

        public init(kind: String, recipient: String, campaign: String?) {
            self.kind = kind
            self.recipient = recipient
            self.campaign = campaign
        }
    }

    /// URL-safe token (only A–Z a–z 0–9 - _ .) of (kind, recipient, campaign) under `secret`.
    /// The caller validates that no field contains LF (U+000A); a token made from one will not verify.
    /// `secret` should be at least 32 random bytes (`Digest.randomBytes(32)`).
    public static func make(kind: String, recipient: String, campaign: String?, secret: [UInt8]) -> String {
        let payload = Array("\(kind)\n\(recipient)\n\(campaign ?? "")".utf8)
        let signed = prefix + Base64.encode(payload, urlSafe: true, padded: false)
        let mac = Digest.hmacSHA256(key: secret, data: Array(signed.utf8))
        return signed + "." + Base64.encode(mac, urlSafe: true, padded: false)
    }

    /// nil for any token that was not made with this secret (constant-time MAC compare) or is malformed.
    public static func verify(_ token: String, secret: [UInt8]) -> Claims? {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].elementsEqual("v1".utf8),
            let payloadText = strictBase64URL(parts[1]), let macText = strictBase64URL(parts[2]),
            let mac = Base64.decode(macText), mac.count == macLength,
            // Base64 leaves spare bits in the last character; only the canonical spelling of the MAC is accepted,
            // so a token has exactly one valid form.
            Base64.encode(mac, urlSafe: true, padded: false) == macText
        else { return nil }
        let expected = Digest.hmacSHA256(key: secret, data: Array((prefix + payloadText).utf8))
        guard Digest.constantTimeEqual(mac, expected), let payload = Base64.decode(payloadText) else { return nil }
        // Only reached with a genuine MAC, so the payload is what `make` wrote; still checked, never trusted.
        let text = String(decoding: payload, as: UTF8.self)
        guard Array(text.utf8) == payload else { return nil }  // not UTF-8: decoding replaced bytes
        let fields = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard fields.count == 3 else { return nil }
        let campaign = fields[2].isEmpty ? nil : String(fields[2])
        return Claims(kind: String(fields[0]), recipient: String(fields[1]), campaign: campaign)
    }

    /// The text if it is non-empty and uses only the unpadded base64url alphabet; `Base64.decode` alone would also
    /// take `+`, `/` and `=`.
    private static func strictBase64URL(_ bytes: Substring.UTF8View) -> String? {
        guard !bytes.isEmpty else { return nil }
        let allowed = bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
        return allowed ? String(decoding: bytes, as: UTF8.self) : nil
    }
}
