/// A strict RFC 8259 parser from bytes to `JSONValue`: UTF-8 only, no trailing commas or comments, nesting bounded,
/// duplicate keys refused (a producer's typo must not win silently). Written for intake, where a spool file is
/// parsed once and must fail with a position a person can find, and for the delivery path, which parses the stored
/// copy again: so strings are made without generic validation and objects are sized once (see `object()`).
public struct JSONParser {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    // The state below is internal, not private, only so that the role files (JSONParser+Containers, +Strings,
    // +Numbers) can reach it; the type's one way in is still `parse`.

    /// Valid only inside `parse`'s `withUnsafeBufferPointer`: the parser never outlives that call.
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    /// Members of the objects being parsed, innermost last. An object's members wait here until its `}` and then
    /// become a dictionary of exactly their number: no rehashing while it grows.
    var members: [(String, JSONValue)] = []
    private static let maxDepth = 64
    /// Up to this many members, a duplicate key is found by comparing with the earlier keys, which for short keys
    /// costs less than hashing; a larger object gets a dictionary to look keys up in.
    static let linearMembers = 16

    public static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(Failure) in
            var parser = JSONParser(bytes: buffer)
            parser.skipSpace()
            let value = try parser.value()
            parser.skipSpace()
            guard parser.index == buffer.count else { throw parser.fail("unexpected text after the JSON value") }
            return value
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        members.reserveCapacity(Self.linearMembers)
    }

    func fail(_ reason: String) -> Failure {
        Failure(offset: index, reason: reason)
    }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func value() throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw fail("invalid literal")
        }
        index += count
    }

    mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
    }
}
