import HeraldPluginAPI

/// Getters the core's own tables need beyond what plugins get: lists of strings, and inline tables
/// (`quiet_hours = { … }`, the elements of `frequency_cap = [ { … } ]`) read with the same typed getters, their keys
/// printed as `parent.key` and pointing at the parent's line. Not for plugins: they keep to `PluginConfig`'s API.
extension PluginConfig {
    /// `key = ["a", "b"]`; nil when absent.
    func stringList(_ key: String) throws(ConfigError) -> [String]? {
        switch values[key] {
        case nil: return nil
        case .array(let items):
            var result: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    throw error(key, "element \(index) must be a string, not \(item.typeName)")
                }
                result.append(text)
            }
            return result
        case let other?: throw error(key, "must be a list of strings like [\"a\", \"b\"], not \(other.typeName)")
        }
    }

    /// The inline table at `key`, its keys renamed `key.member` (any outside `members` is an error); nil when absent.
    func inlineTable(_ key: String, members: Set<String>, example: String) throws(ConfigError) -> PluginConfig? {
        switch values[key] {
        case nil: return nil
        case .table(let values): return try nested(key, values: values, members: members, lineOf: key)
        case let other?: throw error(key, "must be an inline table like \(key) = \(example), not \(other.typeName)")
        }
    }

    /// The inline tables of the list at `key`, the keys of element N renamed `key[N].member` (any outside `members`
    /// is an error); nil when absent.
    func inlineTables(_ key: String, members: Set<String>, example: String) throws(ConfigError) -> [PluginConfig]? {
        switch values[key] {
        case nil: return nil
        case .array(let items):
            var result: [PluginConfig] = []
            for (index, item) in items.enumerated() {
                guard case .table(let values) = item else {
                    throw ConfigError(
                        file: file, line: lines[key], scope: scope, key: "\(key)[\(index)]",
                        reason: "must be an inline table like \(example), not \(item.typeName)")
                }
                result.append(try nested("\(key)[\(index)]", values: values, members: members, lineOf: key))
            }
            return result
        case let other?: throw error(key, "must be a list of inline tables like [ \(example) ], not \(other.typeName)")
        }
    }

    private func nested(
        _ prefix: String, values: [String: ConfigValue], members: Set<String>, lineOf key: String
    ) throws(ConfigError) -> PluginConfig {
        var renamed: [String: ConfigValue] = [:]
        for (name, value) in values { renamed["\(prefix).\(name)"] = value }
        let allowed = Set(members.map { "\(prefix).\($0)" })
        // Keys inside an inline table stand on the parent's line (TOMLSource does not track them further).
        var nestedLines: [String: Int] = [:]
        if let line = lines[key] {
            for name in allowed.union(renamed.keys) { nestedLines[name] = line }
        }
        let table = PluginConfig(values: renamed, file: file, scope: scope, lines: nestedLines)
        try table.rejectUnknownKeys(allowed: allowed)
        return table
    }

    /// An integer key that must be present.
    func requiredInt(_ key: String, in range: ClosedRange<Int>, example: String) throws(ConfigError) -> Int {
        guard values[key] != nil else { throw error(key, "is required, e.g. \(example)") }
        return try int(key, default: range.lowerBound, in: range)
    }
}
