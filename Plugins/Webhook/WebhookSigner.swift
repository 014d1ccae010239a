import HeraldCrypto

/// Standard Webhooks v1 signatures (PROTOCOLS §5.1): HMAC-SHA256 over `id.timestamp.body`, sent as
/// `v1,<base64>`. The id stays the same across retries; the timestamp and so the signature are per attempt.
struct WebhookSigner: Sendable {
    let key: [UInt8]

    func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: body)
        return "v1," + Base64.encode(Digest.hmacSHA256(key: key, data: signed))
    }
}

/// Keeps HeraldCrypto's decoder reachable from the config without exposing the crypto module in its API.
enum Base64Decoding {
    static func decode(_ text: String) -> [UInt8]? { Base64.decode(text) }
}
