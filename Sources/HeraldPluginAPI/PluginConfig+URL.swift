extension PluginConfig {
    /// `text` (the value of `key`, or of one of its members) when it is an http:// or https:// URL with no spaces or
    /// control characters; otherwise an error naming `key`.
    public func checkHTTPURL(_ text: String, key: String) throws(ConfigError) -> String {
        guard text.hasPrefix("https://") || text.hasPrefix("http://"),
            !text.unicodeScalars.contains(where: { $0.value <= 32 || $0.value == 127 })
        else { throw error(key, "\"\(text)\" is not an http:// or https:// URL") }
        return text
    }
}
