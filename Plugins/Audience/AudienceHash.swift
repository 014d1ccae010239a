import HeraldCrypto

/// SHA-256 of a normalised value as every ad platform takes it: over the UTF-8 bytes, as 64 lower-case hex digits.
/// Only for values already normalised; it neither trims nor lower-cases.
enum AudienceHash {
    static func sha256Hex(_ text: String) -> String {
        Hex.lowercase(Digest.sha256(Array(text.utf8)))
    }
}
