import HeraldPluginAPI

/// The daemon's whole configuration (DESIGN §7), validated: paths resolved, durations and rates parsed, every
/// channel bound to a plugin name. A value, so a reload can compare old and new and swap atomically.
public struct HeraldConfig: Sendable {
    public struct Log: Sendable, Equatable {
        public var delivery: String
        /// Recipient addresses in the delivery log: masked (`a***@example.com`) unless "full".
        public var fullRecipients: Bool
    }

    public struct Retry: Sendable, Equatable {
        public var min: Duration
        public var max: Duration
        public var maxAge: Duration
        /// `dead_after`, 1…1000, default 10: consecutive transient outcomes on one destination after which it is
        /// down (DESIGN §6): no more deliveries there but one probe per interval, from `min` backing off to `max`.
        public var deadAfter: Int = 10
    }

    public struct Intake: Sendable, Equatable {
        /// Files parsed and committed per SQLite transaction.
        public var batch: Int
        public var rescan: Duration
        public var maxFileSize: Int
        /// When set, files whose group is neither this one nor the daemon's are rejected.
        public var submitGroup: String?
    }

    public struct Channel: Sendable {
        public var name: String
        public var plugin: String
        public var rate: Rate?
        public var concurrency: Int?
        public var batch: Int?
        /// A paused channel accepts messages but sends nothing until it is unpaused and the daemon reloaded.
        public var paused: Bool
        /// How long a channel waits after a credentials error before trying again.
        public var credentialsPause: Duration
        /// Per recipient domain (lower case), on top of `rate`: `domain_rate = { "gmail.com" = "50/s" }`.
        public var domainRates: [String: Rate] = [:]
        /// For every other recipient domain; nil: no per-domain limit.
        public var defaultDomainRate: Rate?
        /// The keys the plugin reads.
        public var pluginConfig: PluginConfig
        /// `fallback = ["push", "email"]`: the route a message takes when it has no `fallback` of its own; every name
        /// a configured channel other than this one. Default: none.
        public var fallback: [String] = []
        /// `fallback_after`, 1…100: transient attempts on this channel before the message moves on to its next
        /// route; nil (absent): only non-transient failures move on.
        public var fallbackAfter: Int?
        /// `adaptive_concurrency`, default false: the in-flight limit finds its own level up to `concurrency`
        /// (`AdaptiveConcurrency`).
        public var adaptiveConcurrency: Bool = false
        /// `dead_after` for this channel's destinations; nil: `[retry] dead_after`.
        public var deadAfter: Int?
        /// `fallback_after_down`, 1s…7d: a message whose destination has been down this long moves along its
        /// fallback route; nil (absent): it waits for the destination, however long (until max_age/expires_at).
        public var fallbackAfterDown: Duration?
        /// `batch_linger`, 10ms…1h: the lane waits up to this long to fill a batch of `batch` deliveries (per the
        /// plugin's batch key) before it calls the plugin; `batch` is then not bounded by `concurrency`, which
        /// counts plugin calls in flight. nil (absent): batches go as soon as they are claimed.
        public var batchLinger: Duration?
        /// `remove_on_suppress`: on a channel that keeps people in lists, an opt-out queues their removal from
        /// every list they are in.
        public var removeOnSuppress: Bool = true
        /// `max_wait`, 1s…30d: how long a message waits, parked, for a recipient its plugin reports not reachable
        /// now (a visitor without an open chat) before it moves along its fallback route or expires.
        public var maxWait: Duration = .seconds(86_400)
    }

    public var file: String
    public var baseDirectory: String
    public var spool: String
    public var state: String
    public var templates: String
    public var log: Log
    public var retry: Retry
    public var intake: Intake
    public var drainTimeout: Duration
    public var channels: [Channel]
    /// `[policy]`: quiet hours, frequency caps; defaults when the table is absent.
    public var policy: Policy = Policy()
    /// `[http]`; nil: no HTTP server.
    public var http: HTTP?
    /// `[callbacks]`; nil: no status callbacks.
    public var callbacks: Callbacks?
    /// `dedup_window` and `[stats] retain`: how long finished state is kept.
    public var retention: Retention = Retention()
    /// `[database]`; nil: SQLite under `state`.
    public var database: Database? = nil

    public func channel(named name: String) -> Channel? {
        channels.first { $0.name == name }
    }
}
