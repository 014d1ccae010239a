import HeraldCrypto

/// The signed handle a VERP return path carries (`bounces+<token>@shop.example`, PROTOCOLS §9.3): lower-case,
/// unpadded RFC 4648 base32 of `version (1) ‖ send id (8) ‖ HMAC-SHA256(key, version ‖ send id)[0..<10]`, 19
/// bytes as 31 characters, so the local part stays far inside RFC 5321's 64 octets. Lower case because Postfix
/// folds the recipient address to lower case before delivery decisions. The version byte picks the key, so keys
/// rotate; a token whose MAC fails names nobody, so a forged bounce cannot suppress anyone.
struct VERPToken: Sendable, Equatable {
    static let macLength = 10
    static let length = 31

    var version: UInt8
    /// The compact id of the (message, recipient) record the bounce is about.
    var sendID: UInt64

    func encoded(key: [UInt8]) -> String {
        var bytes = [version] + withUnsafeBytes(of: sendID.bigEndian, Array.init)
        bytes += Self.mac(bytes, key: key)
        return Base32.lowercase(bytes)
    }

    /// The token in `text`, when its MAC verifies under a key of its version; nil otherwise, whatever the reason
    /// (unknown version, bad characters, wrong length, forged MAC). Two keys may share a version (a version is a
    /// key's fingerprint byte, `VERPSettings`): each is tried.
    static func decode(_ text: String, keys: [(version: UInt8, key: [UInt8])]) -> VERPToken? {
        guard text.utf8.count == length, let bytes = Base32.decode(text.lowercased()), bytes.count == 19 else { return nil }
        let signed = Array(bytes[0..<9])
        for (version, key) in keys where version == bytes[0] {
            let expected = mac(signed, key: key)
            var difference: UInt8 = 0
            for (a, b) in zip(expected, bytes[9...]) { difference |= a ^ b }
            guard difference == 0 else { continue }
            let id = bytes[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return VERPToken(version: bytes[0], sendID: id)
        }
        return nil
    }

    /// The token in a VERP address `prefix+TOKEN@domain` (`+` the delimiter), if the address has one.
    static func token(inAddress address: String) -> String? {
        let local = address.split(separator: "@", maxSplits: 1).first.map(String.init) ?? address
        guard let plus = local.lastIndex(of: "+") else { return nil }
        return String(local[local.index(after: plus)...])
    }

    private static func mac(_ bytes: [UInt8], key: [UInt8]) -> [UInt8] {
        Array(Digest.hmacSHA256(key: key, data: bytes).prefix(macLength))
    }
}
