extension AudienceHash {
    /// Whether `text` is already a SHA-256 hash: 64 hex digits (either case); such values are passed on as they
    /// are (lower-cased), never hashed twice.
    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
        }
    }
}
