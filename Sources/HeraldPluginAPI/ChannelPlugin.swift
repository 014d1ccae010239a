import Logging
import ServiceLifecycle

/// The one contract between the core and a channel: turn a batch of rendered deliveries into one outcome each.
/// A plugin never sleeps, retries, rate-limits or dead-letters: it reports, the core decides (DESIGN §6).
/// As a `Service`, its `run()` holds long-lived work (connections, token refresh); the default waits for shutdown.
public protocol ChannelPlugin: Service {
    /// The `plugin = "…"` name in the config: "webhook", "file", "smtp", …
    static var name: String { get }
    /// What the channel accepts and whom it sends to; intake, the policy and `herald check` enforce it.
    static var contract: ChannelContract { get }
    /// The contract of one configured channel, when it depends on the channel's keys (the Web Push origins a
    /// channel allows); read without building the plugin, so it must not open files or sockets. Default: `contract`.
    static func contract(for config: PluginConfig) -> ChannelContract
    /// Validates the channel's keys; errors name the key. `herald check` runs this same code.
    init(config: PluginConfig, context: PluginContext) throws
    var limits: PluginLimits { get }
    /// One outcome per delivery, in the same order; never throws.
    func deliver(_ batch: [Delivery]) async -> [Outcome]
    /// A cheap credentials or reachability check, for `herald check --probe`: one result per target the channel
    /// talks to (relay, endpoint, provider), delivering nothing. Never throws; a failure is a `.failed` result.
    func probe() async -> [ProbeResult]
    /// Routes the plugin serves on the embedded HTTP server; nil (the default): none.
    var routes: PluginRoutes? { get }
}

extension ChannelPlugin {
    /// Any recipient, content required, suppression by the recipient's identity under the plugin's name.
    public static var contract: ChannelContract { ChannelContract(addressKind: name) }

    public static func contract(for config: PluginConfig) -> ChannelContract { contract }

    public func run() async throws {
        try? await gracefulShutdown()
    }

    public func probe() async -> [ProbeResult] {
        [ProbeResult(target: Self.name, status: .notProbed, reason: "no probe for this plugin")]
    }

    public var routes: PluginRoutes? { nil }
}

/// How much a plugin can take at once; the channel's config may lower these, never raise them.
public struct PluginLimits: Sendable, Equatable {
    public var maxBatch: Int
    /// Deliveries in flight at once, across batches.
    public var maxConcurrency: Int
    /// Deliveries per second when the channel sets no `rate`; nil means unlimited.
    public var defaultRate: Double?
    /// Deliveries in flight when the channel sets no `concurrency`; nil means the core's default (64).
    public var defaultConcurrency: Int?
    /// `batch_linger` when the channel sets none: a plugin whose every call is one upload of many members (an ad
    /// audience) would otherwise send batches as small as what happened to be due.
    public var defaultBatchLinger: Duration?

    public init(
        maxBatch: Int = 1, maxConcurrency: Int = 16, defaultRate: Double? = nil, defaultConcurrency: Int? = nil,
        defaultBatchLinger: Duration? = nil
    ) {
        self.maxBatch = maxBatch
        self.maxConcurrency = maxConcurrency
        self.defaultRate = defaultRate
        self.defaultConcurrency = defaultConcurrency
        self.defaultBatchLinger = defaultBatchLinger
    }
}

/// What the core lends a plugin: its channel's name, a logger, where relative paths and secrets resolve, and
/// where to report what it learns besides outcomes.
public struct PluginContext: Sendable {
    public var channel: String
    public var logger: Logger
    /// Where the plugin reports facts (a dead token among several devices); the core acts on them.
    public var facts: FactSink
    /// The directory relative paths in the config are resolved against (the config file's directory).
    public var baseDirectory: String
    /// `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`), where `*_file` names without a slash are looked up.
    public var credentialsDirectory: String?
    /// The channel's durable records; nil where nothing will be sent (`herald check`, a config reload's trial).
    public var records: (any PluginRecords)?

    public init(
        channel: String, logger: Logger, baseDirectory: String, credentialsDirectory: String? = nil,
        facts: FactSink = FactSink(), records: (any PluginRecords)? = nil
    ) {
        self.channel = channel
        self.logger = logger
        self.facts = facts
        self.baseDirectory = baseDirectory
        self.credentialsDirectory = credentialsDirectory
        self.records = records
    }

    /// Resolves a configured path: absolute as is, a bare name under the credentials directory if that exists,
    /// otherwise relative to the config's directory.
    public func resolve(path: String) -> String {
        if path.hasPrefix("/") { return path }
        if let credentialsDirectory, !path.contains("/") { return credentialsDirectory + "/" + path }
        return baseDirectory + "/" + path
    }
}
