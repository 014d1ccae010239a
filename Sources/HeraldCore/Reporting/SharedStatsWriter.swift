import Logging
import ServiceLifecycle
import Synchronization

/// Adds this host's delivery-log events to the cluster's counters (`SharedCounters`): tallied in memory as the
/// log records them and written once a second, one statement for a second of events, so the delivery log never
/// waits on the database. A write that fails keeps the tally (its size is the number of distinct hour, channel,
/// campaign, stage and event keys, not of events) and tries again a second later; a crash loses at most the
/// last second of counts, which this host's own ledger (`events.sqlite`) still has.
public final class SharedStatsWriter: Service, Sendable {
    private let counters: any SharedCounters
    private let logger: Logger
    private let waiting = Mutex(EventTally())

    public init(counters: any SharedCounters, logger: Logger) {
        self.counters = counters
        self.logger = logger
    }

    /// A batch of delivery-log events (the log's observer).
    public func add(_ events: [LogEvent]) {
        let tally = EventTally(events)
        waiting.withLock { $0.merge(tally) }
    }

    public func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            failing = flush(failing: failing)
        }
        _ = flush(failing: failing)
    }

    /// Writes what waits; returns whether the write failed (its tally waits for the next one).
    private func flush(failing: Bool) -> Bool {
        let tally = waiting.withLock { waiting -> EventTally in
            defer { waiting = EventTally() }
            return waiting
        }
        guard !tally.isEmpty else { return failing }
        do {
            try counters.record(tally)
            if failing { logger.notice("cluster stats: writing again") }
            return false
        } catch {
            waiting.withLock { $0.merge(tally) }
            if !failing { logger.error("cluster stats: cannot write this host's counts (\(error)); keeping them to try again") }
            return true
        }
    }
}
