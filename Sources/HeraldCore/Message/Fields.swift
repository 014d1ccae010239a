import HeraldPluginAPI

/// Typed, path-aware access to one JSON object during message decoding; every failure names the dotted field.
struct Fields {
    private let object: [String: JSONValue]
    private let path: String

    init(_ object: [String: JSONValue], path: String) {
        self.object = object
        self.path = path
    }

    func rejectUnknown(_ known: Set<String>) throws(IntakeError) {
        for key in object.keys.sorted() where !known.contains(key) {
            throw IntakeError(
                .unknownField, field: path + key, "unknown field; known: \(known.sorted().joined(separator: ", "))")
        }
    }

    func raw(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(IntakeError) -> String? {
        switch raw(key) {
        case nil: return nil
        case .string(let text): return text
        case let other?: throw IntakeError(.wrongType, field: path + key, "must be a string, not \(other.kindName)")
        }
    }

    func requiredString(_ key: String) throws(IntakeError) -> String {
        guard let text = try string(key), !text.isEmpty else {
            throw IntakeError(.missingField, field: path + key, "is required")
        }
        return text
    }

    /// A short single-line label (campaign, trigger, endpoint): no control characters, at most 200 characters.
    func label(_ key: String) throws(IntakeError) -> String? {
        guard let text = try string(key) else { return nil }
        guard text.count <= 200, !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw IntakeError(.badValue, field: path + key, "must be one line of at most 200 characters") }
        return text
    }

    func object(_ key: String) throws(IntakeError) -> [String: JSONValue]? {
        switch raw(key) {
        case nil: return nil
        case .object(let members): return members
        case let other?: throw IntakeError(.wrongType, field: path + key, "must be an object, not \(other.kindName)")
        }
    }

    func stringArray(_ key: String) throws(IntakeError) -> [String]? {
        switch raw(key) {
        case nil: return nil
        case .array(let items):
            var result: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    throw IntakeError(.wrongType, field: "\(path)\(key)[\(index)]", "must be a string")
                }
                result.append(text)
            }
            return result
        case let other?:
            throw IntakeError(.wrongType, field: path + key, "must be an array of strings, not \(other.kindName)")
        }
    }

    func stringMap(_ key: String) throws(IntakeError) -> [String: String]? {
        guard let members = try object(key) else { return nil }
        var result: [String: String] = [:]
        for (name, value) in members {
            guard case .string(let text) = value else {
                throw IntakeError(.wrongType, field: "\(path)\(key).\(name)", "must be a string")
            }
            result[name] = text
        }
        return result
    }

    func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(IntakeError) -> E?
    where E.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw IntakeError(.badValue, field: path + key, "\"\(text)\" is not one of \(allowed)")
        }
        return value
    }

    /// Milliseconds since the epoch from an RFC 3339 string.
    func timestamp(_ key: String) throws(IntakeError) -> Int64? {
        guard let text = try string(key) else { return nil }
        guard let millis = Timestamp.parse(text) else {
            throw IntakeError(
                .badTimestamp, field: path + key, "\"\(text)\" is not an RFC 3339 time like 2026-11-23T10:00:00Z")
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
