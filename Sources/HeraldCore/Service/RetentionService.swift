import HeraldPluginAPI
import Logging
import ServiceLifecycle

/// Keeps `queue.sqlite` bounded in the background (STYLE 7): every `interval` it deletes finished rows older than
/// `dedup_window` a batch at a time, pausing between batches so intake and the lanes get the write lock in
/// between, then gives the freed pages back with incremental vacuum. A database from before incremental
/// auto-vacuum is converted once, after its first pass. Not a policy: which rows may go is `QueueStore+Retention`.
public final class RetentionService: Service, Sendable {
    public struct Settings: Sendable, Equatable {
        /// `dedup_window`: finished rows whose last change is older than this are deleted.
        public var window: Duration
        /// Between passes: a thirtieth of the window, from 1 s to 1 min. Rows wait up to one interval past the
        /// window, so the queue holds 1 to 1 + 1/30 windows of finished rows (a steady size within about 3%);
        /// a week-long window costs one cheap index probe a minute.
        public var interval: Duration
        /// Rows per delete transaction: a few milliseconds of write lock.
        public var batch: Int = 2000
        /// Between two delete transactions of one pass.
        public var pause: Duration = .milliseconds(20)
        /// Pages per incremental-vacuum step (4 KiB each).
        public var vacuumPages: Int = 2048

        public init(window: Duration) {
            self.window = window
            interval = min(.seconds(60), max(.seconds(1), window / 30))
        }
    }

    /// What one pass did, for the log and tests.
    public struct PassReport: Sendable, Equatable {
        public var deleted = 0
        public var freePagesLeft = 0
    }

    private let store: QueueStore
    private let settings: Settings
    private let logger: Logger

    public init(store: QueueStore, settings: Settings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var converted = false
        while !Task.isCancelled {
            let report = await pass(now: Clock.nowMillis())
            if report.deleted > 0 {
                logger.info("pruned \(report.deleted) finished messages older than dedup_window")
            }
            if !converted, !Task.isCancelled {
                converted = true
                convertIfNeeded()
            }
            try? await Task.sleep(for: settings.interval)
        }
    }

    /// Deletes what the window no longer keeps, `batch` rows per transaction, then releases free pages. Bounded:
    /// stops when a batch comes back short, at cancellation, or on the first error (logged; the next pass tries
    /// again).
    public func pass(now: Int64) async -> PassReport {
        var report = PassReport()
        let before = now - settings.window.milliseconds
        do {
            while !Task.isCancelled {
                let deleted = try store.pruneFinished(before: before, limit: settings.batch)
                report.deleted += deleted
                if deleted < settings.batch { break }
                try? await Task.sleep(for: settings.pause)
            }
            guard report.deleted > 0 else { return report }
            var left = try store.releaseFreePages(settings.vacuumPages)
            // Each step frees at most `vacuumPages`; as many steps as the pass deleted batches bounds the loop.
            var steps = report.deleted / settings.batch + 1
            while left > 0, steps > 0, !Task.isCancelled {
                try? await Task.sleep(for: settings.pause)
                left = try store.releaseFreePages(settings.vacuumPages)
                steps -= 1
            }
            report.freePagesLeft = left
            try store.passiveCheckpoint()
        } catch {
            logger.error(
                "cannot prune finished messages from the queue: \(error); trying again in \(settings.interval)")
        }
        return report
    }

    private func convertIfNeeded() {
        do {
            guard try store.autoVacuumMode() != 2 else { return }
            logger.notice("converting \(store.path) to incremental auto-vacuum: one VACUUM, once")
            try store.convertToIncrementalVacuum()
        } catch {
            logger.error(
                "cannot convert \(store.path) to incremental auto-vacuum: \(error); freed pages stay for reuse")
        }
    }
}
