/// Objects and arrays: the parser's recursive half. An object's members wait on the parser's shared `members` stack
/// and become a dictionary of exactly their number at its `}` (a large one moves early, for key lookups). A
/// duplicate key fails at the key's position.
extension JSONParser {
    mutating func object() throws(Failure) -> JSONValue {
        try enter()
        index += 1
        let first = members.count
        defer { if members.count > first { members.removeSubrange(first...) } }
        // Filled only once the object has more than `linearMembers` members.
        var large: [String: JSONValue]? = nil
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object([:])
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
            let keyStart = index
            let key = try string()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipSpace()
            let member = try value()
            if large == nil, members.count - first == Self.linearMembers {
                large = Self.dictionary(moving: &members, from: first)
            }
            let isDuplicate: Bool
            if large != nil {
                isDuplicate = large!.updateValue(member, forKey: key) != nil
            } else {
                isDuplicate = (first..<members.count).contains { members[$0].0 == key }
                members.append((key, member))
            }
            guard !isDuplicate else { throw Failure(offset: keyStart, reason: "duplicate key \"\(key)\"") }
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return .object(large ?? Self.dictionary(moving: &members, from: first))
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    /// Moves `members[first...]` into a dictionary, leaving `members` as it was before the object.
    private static func dictionary(
        moving members: inout [(String, JSONValue)], from first: Int
    ) -> [String: JSONValue] {
        var dictionary = [String: JSONValue](minimumCapacity: members.count - first)
        while members.count > first {
            let (key, value) = members.removeLast()
            dictionary[key] = value
        }
        return dictionary
    }

    mutating func array() throws(Failure) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array(items)
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }
}
