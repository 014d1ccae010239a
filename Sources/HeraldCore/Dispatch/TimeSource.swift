import HeraldPluginAPI

/// Where the dispatch core reads "now" (ms since the epoch) for what it decides: due times, channel holds,
/// backoff, destination probes, the time stamps of outcomes. Injected so tests can move that time by hand; the
/// waits themselves (doorbells, sleeps) stay on real time, so a fake clock changes decisions, not scheduling.
struct TimeSource: Sendable {
    let now: @Sendable () -> Int64

    init(now: @escaping @Sendable () -> Int64) {
        self.now = now
    }

    /// The wall clock, as everywhere else in the daemon.
    static let system = TimeSource(now: { Clock.nowMillis() })
}
