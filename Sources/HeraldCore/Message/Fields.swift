import HeraldPluginAPI

/// Typed, path-aware access to one JSON object during message decoding; every failure names the dotted field.
struct Fields<Name: FieldName> {
    private let object: [String: JSONValue]
    /// Where each known member sits in `object`: plain values, so finding one copies no JSON on the way.
    private var found: [(name: Name, index: Dictionary<String, JSONValue>.Index)] = []
    private let path: String
    /// Members named in `extra` (fields plugins declare), for the caller to judge.
    private(set) var extras: [String: JSONValue] = [:]

    /// Refuses a member whose name is neither a `Name` nor in `extra`: the first such in alphabetical order, so the
    /// error is the same whatever order the producer wrote the keys in.
    init(_ object: [String: JSONValue], path: String, extra: Set<String> = []) throws(IntakeError) {
        self.object = object
        self.path = path
        found.reserveCapacity(object.count)
        var unknown: String?
        for index in object.indices {
            let key = object.keys[index]
            if let name = Name.table.name(key) {
                found.append((name, index))
            } else if !extra.isEmpty, extra.contains(key) {
                extras[key] = object.values[index]
            } else if unknown.map({ key < $0 }) ?? true {
                unknown = key
            }
        }
        if let unknown {
            let known = Name.allCases.map(\.rawValue).sorted().joined(separator: ", ")
            throw IntakeError(.unknownField, field: path + unknown, "unknown field; known: \(known)")
        }
    }

    func raw(_ name: Name) -> JSONValue? {
        guard let member = found.first(where: { $0.name == name }) else { return nil }
        let value = object.values[member.index]
        if case .null = value { return nil }
        return value
    }

    private func field(_ name: Name) -> String { path + name.rawValue }

    func string(_ name: Name) throws(IntakeError) -> String? {
        switch raw(name) {
        case nil: return nil
        case .string(let text): return text
        case let other?: throw IntakeError(.wrongType, field: field(name), "must be a string, not \(other.kindName)")
        }
    }

    func requiredString(_ name: Name) throws(IntakeError) -> String {
        guard let text = try string(name), !text.isEmpty else {
            throw IntakeError(.missingField, field: field(name), "is required")
        }
        return text
    }

    /// A short single-line label (campaign, trigger, endpoint): no control characters, at most 200 characters.
    func label(_ name: Name) throws(IntakeError) -> String? {
        guard let text = try string(name) else { return nil }
        // A character takes at least one byte, so counting characters is needed only past 200 bytes.
        guard text.utf8.count <= 200 || text.count <= 200, !MessageRules.hasControlCharacter(text) else {
            throw IntakeError(.badValue, field: field(name), "must be one line of at most 200 characters")
        }
        return text
    }

    func object(_ name: Name) throws(IntakeError) -> [String: JSONValue]? {
        switch raw(name) {
        case nil: return nil
        case .object(let members): return members
        case let other?: throw IntakeError(.wrongType, field: field(name), "must be an object, not \(other.kindName)")
        }
    }

    func stringArray(_ name: Name) throws(IntakeError) -> [String]? {
        switch raw(name) {
        case nil: return nil
        case .array(let items):
            var result: [String] = []
            result.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    throw IntakeError(.wrongType, field: "\(field(name))[\(index)]", "must be a string")
                }
                result.append(text)
            }
            return result
        case let other?:
            throw IntakeError(.wrongType, field: field(name), "must be an array of strings, not \(other.kindName)")
        }
    }

    func stringMap(_ name: Name) throws(IntakeError) -> [String: String]? {
        guard let members = try object(name) else { return nil }
        var result: [String: String] = Dictionary(minimumCapacity: members.count)
        for (key, value) in members {
            guard case .string(let text) = value else {
                throw IntakeError(.wrongType, field: "\(field(name)).\(key)", "must be a string")
            }
            result[key] = text
        }
        return result
    }

    func enumValue<E: RawRepresentable & CaseIterable>(_ name: Name, _ type: E.Type) throws(IntakeError) -> E?
    where E.RawValue == String {
        guard let text = try string(name) else { return nil }
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw IntakeError(.badValue, field: field(name), "\"\(text)\" is not one of \(allowed)")
        }
        return value
    }

    /// Milliseconds since the epoch from an RFC 3339 string.
    func timestamp(_ name: Name) throws(IntakeError) -> Int64? {
        guard let text = try string(name) else { return nil }
        guard let millis = Timestamp.parse(text) else {
            throw IntakeError(
                .badTimestamp, field: field(name), "\"\(text)\" is not an RFC 3339 time like 2026-11-23T10:00:00Z")
        }
        return millis
    }
}

extension JSONValue {
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
