/// One `[[channel]]` table as a plugin sees it: typed getters that name the key, say what a good value looks like,
/// and point at the line. A plugin's `XConfig` reads every key it knows through these and then calls
/// `rejectUnknownKeys`, so a typo is an error, never a silent default.
public struct PluginConfig: Sendable {
    public var values: [String: ConfigValue]
    public var file: String
    /// `channel "name"`: the scope printed in errors.
    public var scope: String
    /// The line each key stands on, where the loader could tell.
    public var lines: [String: Int]
    /// What errors put before a key: `apns.` inside a channel's `apns = { … }` (`table(_:)`).
    public var keyPrefix = ""

    public init(values: [String: ConfigValue], file: String = "herald.toml", scope: String, lines: [String: Int] = [:]) {
        self.values = values
        self.file = file
        self.scope = scope
        self.lines = lines
    }

    public func error(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(file: file, line: lines[key], scope: scope, key: keyPrefix + key, reason: reason)
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        switch values[key] {
        case nil: return nil
        case .string(let value): return value
        case let other?: throw error(key, "must be a string, not \(other.typeName)")
        }
    }

    public func requiredString(_ key: String, example: String) throws(ConfigError) -> String {
        guard let value = try string(key), !value.isEmpty else {
            throw error(key, "is required, e.g. \(key) = \"\(example)\"")
        }
        return value
    }

    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        switch values[key] {
        case nil: return fallback
        case .int(let value) where range.contains(value): return value
        case .int(let value):
            throw error(key, "\(value) is out of range; use \(range.lowerBound)…\(range.upperBound)")
        case let other?: throw error(key, "must be an integer, not \(other.typeName)")
        }
    }

    public func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        switch values[key] {
        case nil: return fallback
        case .bool(let value): return value
        case let other?: throw error(key, "must be true or false, not \(other.typeName)")
        }
    }

    public func duration(_ key: String, default fallback: Duration, in range: ClosedRange<Duration>) throws(ConfigError) -> Duration {
        guard let text = try string(key) else { return fallback }
        guard let value = DurationText.parse(text) else {
            throw error(key, "\"\(text)\" is not a duration; write e.g. \"250ms\", \"30s\", \"5m\", \"1h\"")
        }
        guard range.contains(value) else {
            throw error(
                key,
                "\"\(text)\" is out of range; use \(DurationText.format(range.lowerBound))…"
                    + DurationText.format(range.upperBound))
        }
        return value
    }

    /// A table of strings, e.g. `endpoints = { loyalty = "https://…" }`.
    public func stringTable(_ key: String) throws(ConfigError) -> [String: String] {
        switch values[key] {
        case nil: return [:]
        case .table(let table):
            var result: [String: String] = [:]
            for (name, value) in table {
                guard case .string(let text) = value else {
                    throw error(key, "\(name) must be a string, not \(value.typeName)")
                }
                result[name] = text
            }
            return result
        case let other?: throw error(key, "must be a table like { name = \"value\" }, not \(other.typeName)")
        }
    }

    /// Throws on the first key (in sorted order, so the message is stable) that the plugin does not know.
    public func rejectUnknownKeys(allowed: Set<String>) throws(ConfigError) {
        for key in values.keys.sorted() where !allowed.contains(key) {
            throw error(key, "unknown key; known keys: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// A secret from `KEY_file` (preferred, e.g. a systemd credential) or the inline `KEY` (development only).
    public func secret(_ key: String, context: PluginContext) throws(ConfigError) -> String? {
        if let path = try string(key + "_file") {
            let resolved = context.resolve(path: path)
            guard let text = readTextFile(resolved) else {
                throw error(key + "_file", "cannot read \(resolved)")
            }
            return text.trimmingSpaces
        }
        return try string(key)
    }
}
