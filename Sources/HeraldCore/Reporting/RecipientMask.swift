import HeraldPluginAPI

/// How a recipient appears in logs: `a***@example.com` by default, in full only when the operator asked.
public struct RecipientMask: Sendable {
    public var full: Bool

    public init(full: Bool) {
        self.full = full
    }

    public func display(_ recipient: Recipient) -> String? {
        guard let identity = recipient.email ?? recipient.identity else { return nil }
        return display(address: identity)
    }

    /// One address as the log shows it.
    public func display(address: String) -> String {
        full ? address : Self.mask(address)
    }

    /// Works on UTF-8 bytes (this runs for every log line); the kept prefix ends on a character boundary.
    public static func mask(_ text: String) -> String {
        let bytes = Array(text.utf8)
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            return String(decoding: bytes[..<prefixEnd(bytes, characters: 1, limit: at)], as: UTF8.self) + "***"
                + String(decoding: bytes[at...], as: UTF8.self)
        }
        return String(decoding: bytes[..<prefixEnd(bytes, characters: 4, limit: bytes.count)], as: UTF8.self) + "***"
    }

    /// The end of the first `characters` code points (not grapheme clusters: a mask needs no more) before `limit`.
    private static func prefixEnd(_ bytes: [UInt8], characters: Int, limit: Int) -> Int {
        var index = 0
        var count = 0
        while index < limit, count < characters {
            index += 1
            while index < limit, bytes[index] & 0xC0 == 0x80 { index += 1 }
            count += 1
        }
        return index
    }
}
