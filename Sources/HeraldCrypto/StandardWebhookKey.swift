/// A Standard Webhooks v1 signing key and its signatures (PROTOCOLS §5.1, §5.3): the one copy, used by the
/// webhook plugin for each delivery and by status callbacks for each batch. The key is the bytes behind
/// `whsec_<base64>` (24 to 64 of them); a signature is `v1,` + base64 of HMAC-SHA256 over `id.timestamp.body`,
/// exactly the bytes sent. The id stays the same across retries; the timestamp, and so the signature, is per
/// attempt. Not a verifier: Herald only sends.
public struct StandardWebhookKey: Sendable, Equatable {
    public let bytes: [UInt8]

    /// Why a secret's text is not a key; the config error around it names the key.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notBase64
        case length(Int)

        public var description: String {
            switch self {
            case .notBase64:
                return "must be whsec_ followed by base64 of 24–64 random bytes (it is not base64)"
            case .length(let count):
                return "must be whsec_ followed by base64 of 24–64 random bytes (it decodes to \(count))"
            }
        }
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// `whsec_<base64>`, or the base64 alone, as the reference libraries accept it.
    public init(parsing text: String) throws(ParseError) {
        let encoded = text.hasPrefix("whsec_") ? String(text.dropFirst(6)) : text
        guard let bytes = Base64.decode(encoded) else { throw .notBase64 }
        guard (24...64).contains(bytes.count) else { throw .length(bytes.count) }
        self.bytes = bytes
    }

    /// The `webhook-signature` header's value for one attempt: `v1,<base64>`.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: body)
        return "v1," + Base64.encode(Digest.hmacSHA256(key: bytes, data: signed))
    }
}
