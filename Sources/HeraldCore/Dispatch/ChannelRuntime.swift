import HeraldPluginAPI

/// A configured channel bound to its plugin instance, with the limits the lane enforces: the config's values,
/// capped by what the plugin says it can take. `concurrency` counts deliveries in flight (for a webhook, open
/// requests), `batch` how many go to the plugin in one call.
public struct ChannelRuntime: Sendable {
    public var name: String
    public var pluginName: String
    public var plugin: any ChannelPlugin
    /// The plugin's declarations, which intake and the policy enforce for this channel.
    public var contract: ChannelContract
    public var batch: Int
    public var concurrency: Int
    public var rate: Double?
    public var paused: Bool
    public var credentialsPause: Duration
    /// Per recipient domain, messages per second; `defaultDomainRate` for domains not listed.
    public var domainRates: [String: Double]
    public var defaultDomainRate: Double?
    /// `concurrency` is a ceiling the lane reaches by AIMD instead of a fixed value.
    public var adaptiveConcurrency: Bool
    /// `dead_after` of this channel; nil: `[retry] dead_after`.
    public var deadAfter: Int?
    /// `fallback_after_down`; nil: messages wait for a down destination.
    public var fallbackAfterDown: Duration?
    /// `batch_linger`: batches fill for up to this long; `concurrency` then counts plugin calls, not deliveries.
    public var batchLinger: Duration?
    /// `max_wait`: how long a message waits for a recipient the plugin reports not reachable now.
    public var maxWait: Duration

    /// Deliveries in flight when the config does not say.
    public static let defaultConcurrency = 64

    public init(config: HeraldConfig.Channel, plugin: any ChannelPlugin) {
        let limits = plugin.limits
        name = config.name
        pluginName = config.plugin
        self.plugin = plugin
        contract = type(of: plugin).contract(for: config.pluginConfig)
        concurrency = max(1, min(config.concurrency ?? limits.defaultConcurrency ?? Self.defaultConcurrency, limits.maxConcurrency))
        batchLinger = config.batchLinger ?? limits.defaultBatchLinger
        // A batch never exceeds the deliveries allowed in flight, unless batches linger: then `concurrency`
        // counts plugin calls, and a call may carry a whole batch.
        let batchCeiling = batchLinger == nil ? min(limits.maxBatch, concurrency) : limits.maxBatch
        batch = max(1, min(config.batch ?? limits.maxBatch, batchCeiling))
        rate = config.rate?.perSecond ?? limits.defaultRate
        paused = config.paused
        credentialsPause = config.credentialsPause
        domainRates = config.domainRates.mapValues(\.perSecond)
        defaultDomainRate = config.defaultDomainRate?.perSecond
        adaptiveConcurrency = config.adaptiveConcurrency
        deadAfter = config.deadAfter
        fallbackAfterDown = config.fallbackAfterDown
        maxWait = config.maxWait
    }
}
