/// Reading a peer's JSON answer without a pattern match per level: `json["error"]?["code"]?.intValue`.
extension JSONValue {
    /// An object's member; nil for a missing one or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// A whole number, also when written as a string of digits (Graph API ids and counts come either way).
    public var intValue: Int64? {
        switch self {
        case .int(let number): number
        case .double(let number) where number == number.rounded() && abs(number) < 9e15: Int64(number)
        case .string(let text): Int64(text)
        default: nil
        }
    }
}
