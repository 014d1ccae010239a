import HeraldPluginAPI

extension HeraldConfig {
    /// How long finished state is kept: the top-level `dedup_window` and the `[stats]` table, each key read once here
    /// with its default and bounds. Values only: `QueueStore+Retention` and `RetentionService` do the pruning,
    /// `EventLedger` applies `statsRetain`. Pending messages are never pruned, whatever these say.
    public struct Retention: Sendable, Equatable {
        static let statsKeys: Set<String> = ["retain"]
        /// The shortest `dedup_window`. Below a day it is for tests and benchmarks: a spool file read again after a
        /// crash (committed, not yet unlinked) must still find its id, so production windows should cover the
        /// longest outage after which files can be left in `incoming/`.
        static let dedupWindowRange: ClosedRange<Duration> = .seconds(10)...(.seconds(3650 * 86_400))
        static let statsRetainRange: ClosedRange<Duration> = .seconds(3600)...(.seconds(3650 * 86_400))

        /// `dedup_window`, 10s…3650d, default 7d: how long the id of a finished message (delivered, expired, failed,
        /// suppressed, capped) is kept after its last change, so the same id is still a `duplicate`. Past it the
        /// row is deleted and a message with that id is a new message.
        public var dedupWindow: Duration
        /// `[stats] retain`, 1h…3650d, default 400d: how long the hourly counters and latency buckets of
        /// `herald stats` are kept.
        public var statsRetain: Duration

        public init(dedupWindow: Duration = .seconds(7 * 86_400), statsRetain: Duration = .seconds(400 * 86_400)) {
            self.dedupWindow = dedupWindow
            self.statsRetain = statsRetain
        }

        /// Reads `dedup_window` from the top level and `retain` from `[stats]`.
        init(top: PluginConfig, stats: PluginConfig) throws(ConfigError) {
            let defaults = Retention()
            try stats.rejectUnknownKeys(allowed: Self.statsKeys)
            dedupWindow = try top.duration("dedup_window", default: defaults.dedupWindow, in: Self.dedupWindowRange)
            statsRetain = try stats.duration("retain", default: defaults.statsRetain, in: Self.statsRetainRange)
        }
    }
}
