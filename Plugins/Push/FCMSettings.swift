import HeraldPluginAPI

/// A push channel's `fcm = { … }`: one Firebase project, authorised by its service account's key.
public struct FCMSettings: Sendable, Equatable {
    static let keys: Set<String> = ["service_account_file", "url", "token_url", "ca_file"]
    public static let productionURL = "https://fcm.googleapis.com"

    /// The service-account JSON, resolved; read (and checked) when the plugin starts and by `herald check`.
    public var serviceAccountFile: String
    public var url: String
    /// Where the JWT assertion is exchanged for an access token; nil: the service account's `token_uri`.
    public var tokenURL: String?
    public var caFile: String?

    init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        serviceAccountFile = context.resolve(
            path: try config.requiredString("service_account_file", example: "firebase-service-account.json"))
        url = try PushURL.check(config, "url", default: Self.productionURL)
        tokenURL = try config.string("token_url") == nil ? nil : try PushURL.check(config, "token_url", default: "")
        caFile = try config.string("ca_file").map(context.resolve(path:))
    }
}
