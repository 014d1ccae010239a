import HeraldPluginAPI

/// A push channel's `apns = { … }`: one app (its topic) of one developer team, with the team's token key.
/// Two apps are two channels; each team gets its own connections (APNs takes one team's tokens per connection).
public struct APNsSettings: Sendable, Equatable {
    static let keys: Set<String> = ["url", "team_id", "key_id", "key_file", "topic", "push_type", "ca_file"]
    public static let productionURL = "https://api.push.apple.com"

    public enum PushType: String, Sendable, CaseIterable {
        case alert, background
    }

    public var url: String
    public var teamID: String
    public var keyID: String
    /// The `.p8` file (PKCS#8 P-256), resolved.
    public var keyFile: String
    /// The app's bundle id: `apns-topic`.
    public var topic: String
    public var pushType: PushType
    public var caFile: String?

    init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        url = try PushURL.check(config, "url", default: Self.productionURL)
        teamID = try Self.tenCharacters(config, "team_id", example: "ABCDE12345")
        keyID = try Self.tenCharacters(config, "key_id", example: "KEY1234567")
        keyFile = context.resolve(path: try config.requiredString("key_file", example: "AuthKey_KEY1234567.p8"))
        topic = try config.requiredString("topic", example: "com.example.shop")
        let type = try config.string("push_type") ?? PushType.alert.rawValue
        guard let pushType = PushType(rawValue: type) else {
            throw config.error("push_type", "\"\(type)\" is not one of alert, background")
        }
        self.pushType = pushType
        caFile = try config.string("ca_file").map(context.resolve(path:))
    }

    /// Team and key ids are ten capital letters or digits, as Apple issues them.
    private static func tenCharacters(_ config: PluginConfig, _ key: String, example: String) throws(ConfigError)
        -> String
    {
        let text = try config.requiredString(key, example: example)
        guard text.utf8.count == 10, text.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
        else {
            throw config.error(key, "\"\(text)\" is not a ten-character Apple id like \(example)")
        }
        return text
    }
}
