import HeraldPluginAPI

/// A `livechat` channel's keys, checked once at start (and by `herald check`); every error names its key.
struct LiveChatConfig: Sendable {
    static let builtinKeys: Set<String> = [
        "visitor_secret", "visitor_secret_file", "allowed_origins", "max_streams", "heartbeat", "idle_timeout",
        "max_pending", "ack_timeout", "demo",
    ]

    enum Provider: String, Sendable, CaseIterable {
        case builtin, chatwoot, crisp, intercom, messenger
    }

    var provider: Provider
    /// A provider mode's API, account and credential; nil in the built-in mode.
    var settings: ProviderSettings?
    /// The key the shop's backend signs visitor ids with (HMAC-SHA256).
    var visitorSecret: [UInt8]
    /// Origins (`https://shop.example`) whose pages may open streams and post acks and replies; empty: any page of
    /// the server's own origin only (requests without an `Origin` header).
    var allowedOrigins: Set<String>
    var maxStreams: Int
    var heartbeat: Duration
    /// A stream with nothing sent for this long is closed (the page's EventSource opens a new one).
    var idleTimeout: Duration
    /// Messages written to a visitor and not yet acknowledged, at most.
    var maxPending: Int
    /// How long a written message waits for its ack before the visitor counts as not reachable now.
    var ackTimeout: Duration
    /// `/chat/v1/demo` signs any visitor: development only.
    var demo: Bool

    init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        let name = try config.string("provider") ?? "builtin"
        guard let provider = Provider(rawValue: name) else {
            let known = Provider.allCases.map(\.rawValue).joined(separator: ", ")
            throw config.error("provider", "\"\(name)\" is not a provider this build has; use one of \(known)")
        }
        self.provider = provider
        try config.rejectUnknownKeys(allowed: (provider == .builtin ? Self.builtinKeys : ProviderSettings.keys).union(["provider"]))
        guard provider == .builtin else {
            settings = try ProviderSettings(provider, config: config, context: context)
            visitorSecret = []
            allowedOrigins = []
            maxStreams = 0
            heartbeat = .seconds(15)
            idleTimeout = .seconds(1800)
            maxPending = 0
            ackTimeout = .seconds(30)
            demo = false
            return
        }
        settings = nil
        guard let secret = try config.secret("visitor_secret", context: context), secret.utf8.count >= 16 else {
            throw config.error(
                config.values["visitor_secret"] == nil ? "visitor_secret_file" : "visitor_secret",
                "a visitor secret of at least 16 bytes is required: the shop's backend signs visitor ids with it")
        }
        visitorSecret = Array(secret.utf8)
        var origins: Set<String> = []
        for origin in try config.strings("allowed_origins") ?? [] {
            guard origin.hasPrefix("https://") || origin.hasPrefix("http://"), !origin.hasSuffix("/") else {
                throw config.error("allowed_origins", "\"\(origin)\" is not an origin like https://shop.example (no path)")
            }
            origins.insert(origin.lowercased())
        }
        allowedOrigins = origins
        maxStreams = try config.int("max_streams", default: 10_000, in: 1...1_000_000)
        heartbeat = try config.duration("heartbeat", default: .seconds(15), in: .seconds(1)...(.seconds(300)))
        idleTimeout = try config.duration("idle_timeout", default: .seconds(1800), in: .seconds(5)...(.seconds(86_400)))
        maxPending = try config.int("max_pending", default: 20, in: 1...1000)
        ackTimeout = try config.duration("ack_timeout", default: .seconds(30), in: .seconds(1)...(.seconds(600)))
        demo = try config.bool("demo", default: false)
    }
}
