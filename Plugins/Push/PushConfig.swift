import HeraldPluginAPI

/// The `push` channel's keys: any of its three providers, each in its own table, and the request timeouts.
public struct PushConfig: Sendable, Equatable {
    static let keys: Set<String> = ["apns", "fcm", "webpush", "timeout", "connect_timeout"]

    public var apns: APNsSettings?
    public var fcm: FCMSettings?
    public var webpush: WebPushSettings?
    public var timeout: Duration
    public var connectTimeout: Duration

    public init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        apns = try config.table("apns").map { (table) throws(ConfigError) in try APNsSettings(table, context: context) }
        fcm = try config.table("fcm").map { (table) throws(ConfigError) in try FCMSettings(table, context: context) }
        webpush = try config.table("webpush").map { (table) throws(ConfigError) in
            try WebPushSettings(table, context: context)
        }
        guard apns != nil || fcm != nil || webpush != nil else {
            throw config.error("apns", "a push channel needs at least one of apns = { … }, fcm = { … }, webpush = { … }")
        }
        timeout = try config.duration("timeout", default: .seconds(15), in: .milliseconds(100)...(.seconds(120)))
        connectTimeout = try config.duration(
            "connect_timeout", default: .seconds(5), in: .milliseconds(100)...(.seconds(60)))
    }

    /// The platforms (`to.push[].platform`) this channel serves.
    public var platforms: Set<String> {
        var served: Set<String> = []
        if apns != nil { served.insert("apns") }
        if fcm != nil { served.insert("fcm") }
        if webpush != nil { served.insert("web") }
        return served
    }
}
