import HeraldPluginAPI

/// What a peer said, made fit to log and store: a peer's reply often quotes the recipient (`550 5.1.1
/// <ana@example.com>: Recipient address rejected`, a 400 body echoing the payload), and that text goes to the
/// delivery log, the queue's history, dead letters, suppression sources and journald. Every email address in it
/// is masked like the log's `to` (unless `log.recipients = "full"`), so are the recipient's other addresses
/// (phone, tokens, ids) where they appear verbatim, and the text is cut to `limit` bytes on a character boundary.
struct PeerText: Sendable {
    var full: Bool
    static let limit = 300

    func clean(_ text: String, recipient: Recipient?) -> String {
        guard !full, let recipient else { return clean(text, secrets: []) }
        return clean(
            text,
            secrets: [recipient.phone, recipient.visitor, recipient.externalID].compactMap { $0 }
                + (recipient.push ?? []).compactMap(\.address))
    }

    /// `secrets` are addresses to mask where they appear verbatim (a token the reply quotes).
    func clean(_ text: String, secrets: [String]) -> String {
        var result = full ? text : Self.maskingAddresses(text)
        if !full, !result.isEmpty {
            for secret in secrets where secret.utf8.count >= 4 && Self.quotes(result, secret) {
                result = result.replacing(secret, with: RecipientMask.mask(secret))
            }
        }
        return Self.bounded(result)
    }

    func clean(_ outcome: Outcome, recipient: Recipient?) -> Outcome {
        let reply = outcome.reply
        let text = clean(reply.text, recipient: recipient)
        guard text != reply.text else { return outcome }
        return outcome.replacingReply(Reply(code: reply.code, text: text))
    }

    /// `local@domain.tld` → `l***@domain.tld`, wherever it stands in the text.
    static func maskingAddresses(_ text: String) -> String {
        // Most replies quote no address ("250 2.0.0 Ok", "204"): no copy for them.
        guard text.utf8.contains(UInt8(ascii: "@")) else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var copied = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "@") else {
                index += 1
                continue
            }
            var start = index
            while start > copied, isLocal(bytes[start - 1]) { start -= 1 }
            var end = index + 1
            while end < bytes.count, isDomain(bytes[end]) { end += 1 }
            let domain = bytes[(index + 1)..<end]
            if start < index, domain.contains(UInt8(ascii: ".")) {
                out += bytes[copied..<start]
                out += RecipientMask.mask(String(decoding: bytes[start..<end], as: UTF8.self)).utf8
                copied = end
            }
            index = end
        }
        out += bytes[copied...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` holds `secret` byte for byte. Most replies are shorter than the token they could quote
    /// ("200", an apns-id): no search for them; and no Foundation `contains`, which went through CFString and
    /// cost 1% of a push run's CPU.
    static func quotes(_ text: String, _ secret: String) -> Bool {
        guard text.utf8.count >= secret.utf8.count else { return false }
        let needle = Array(secret.utf8)
        let haystack = Array(text.utf8)
        guard let first = needle.first else { return false }
        var start = 0
        while start + needle.count <= haystack.count {
            if haystack[start] == first, haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }

    static func bounded(_ text: String) -> String {
        guard text.utf8.count > limit else { return text }
        let utf8 = text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: limit)
        // Back to the start of a character: never cut a UTF-8 sequence in half.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self) + "…"
    }

    private static func isLocal(_ byte: UInt8) -> Bool {
        isDomain(byte) || byte >= 0x80 || "!#$%&'*+/=?^_`{|}~".utf8.contains(byte)
    }

    private static func isDomain(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte >= 0x80
    }
}
