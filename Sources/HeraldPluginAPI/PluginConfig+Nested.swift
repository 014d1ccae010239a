/// Getters for keys that hold more than one value: an inline table of the plugin's own keys (a push channel's
/// `apns = { … }`), read with the same typed getters and errors that name `apns.key_file`, and a list of strings.
extension PluginConfig {
    /// The inline table at `key` as a config of its own, or nil when the key is absent. Its errors name
    /// `key.member` and point at the line of `key`.
    public func table(_ key: String) throws(ConfigError) -> PluginConfig? {
        switch values[key] {
        case nil: return nil
        case .table(let members):
            let line = lines[key]
            var nested = PluginConfig(
                values: members, file: file, scope: scope,
                lines: Dictionary(uniqueKeysWithValues: members.keys.compactMap { name in line.map { (name, $0) } }))
            nested.keyPrefix = keyPrefix + key + "."
            return nested
        case let other?: throw error(key, "must be a table like \(key) = { … }, not \(other.typeName)")
        }
    }

    /// A list of strings, e.g. `allowed_origins = ["https://fcm.googleapis.com"]`; nil when absent.
    public func strings(_ key: String) throws(ConfigError) -> [String]? {
        switch values[key] {
        case nil: return nil
        case .array(let items):
            return try items.enumerated().map { (index, item) throws(ConfigError) -> String in
                guard case .string(let text) = item else {
                    throw error(key, "item \(index + 1) must be a string, not \(item.typeName)")
                }
                return text
            }
        case let other?: throw error(key, "must be a list of strings like [\"a\", \"b\"], not \(other.typeName)")
        }
    }
}
