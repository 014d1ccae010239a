import HeraldPluginAPI

/// The provider URLs a push channel may override (tests point them at loopback): HTTPS only, no spaces, no
/// trailing slash, so paths append cleanly.
enum PushURL {
    static func check(_ config: PluginConfig, _ key: String, default fallback: String) throws(ConfigError) -> String {
        var text = try config.string(key) ?? fallback
        while text.hasSuffix("/") { text.removeLast() }
        guard text.hasPrefix("https://"), text.count > 8,
            !text.unicodeScalars.contains(where: { $0.value <= 32 || $0.value == 127 })
        else { throw config.error(key, "\"\(text)\" is not an https:// URL") }
        return text
    }
}
