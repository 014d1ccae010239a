import HeraldCore
import HeraldPluginAPI
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps the shared queue's leases honest, on one connection of its own: every third of a lease it renews the
/// leases this host holds (a long batch keeps its rows), and records the host as alive; on one host at a time,
/// the one holding the reaper's session advisory lock (which a dead connection releases, so a dead reaper's
/// successor takes over), it hands leases that ran out back to the queue and prunes finished rows past
/// `dedup_window`. Every second it also rings `onWork`: messages another host took in, or handed back, are due
/// here too, and polling is the fallback that never misses one. Its updates skip rows another statement holds
/// (`SKIP LOCKED`): a row being completed needs no renewal, and waiting for it could deadlock with the completion.
public final class PostgresLeases: Service, Sendable {
    static let reaperLockKey: Int64 = 0x6865_7261_6C64_7270

    private let state: PostgresState
    private let queue: PostgresQueue
    private let dedupWindow: Duration
    private let onWork: @Sendable () -> Void
    private let logger: Logger
    private let caps: PostgresCaps?
    private let stats: PostgresStats?

    public init(
        state: PostgresState, queue: PostgresQueue, caps: PostgresCaps? = nil, stats: PostgresStats? = nil,
        dedupWindow: Duration,
        onWork: @escaping @Sendable () -> Void
    ) {
        self.state = state
        self.queue = queue
        self.caps = caps
        self.stats = stats
        self.dedupWindow = dedupWindow
        self.onWork = onWork
        logger = state.logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        let renewEvery = max(1, Int(queue.leaseSeconds / 3))
        var tick = 0
        var connection: PostgresConnection?
        var reaper = false
        while !Task.isCancelled {
            do {
                if connection == nil || connection?.isClosed == true {
                    connection = try await state.connect()
                    reaper = false
                }
                if let connection {
                    if tick % renewEvery == 0 { try await renew(connection) }
                    if !reaper { reaper = try await tryReaperLock(connection) }
                    if reaper { try await reap(connection, prune: tick % 60 == 0) }
                }
            } catch {
                logger.error("database: lease upkeep failed: \(PostgresErrorText.describe(error)); trying again")
                try? await connection?.close()
                connection = nil
            }
            onWork()
            tick += 1
            try? await Task.sleep(for: .seconds(1))
        }
        try? await connection?.close()
    }

    private func renew(_ connection: PostgresConnection) async throws {
        _ = try await connection.query(
            """
            UPDATE message SET lease_expires_at = now() + make_interval(secs => \(queue.leaseSeconds))
            WHERE id IN (SELECT id FROM message WHERE state = 'inflight' AND lease_owner = \(queue.owner)
                         FOR UPDATE SKIP LOCKED)
            """, logger: logger)
        _ = try await connection.query(
            """
            INSERT INTO herald_host (name, owner, seen_at) VALUES (\(queue.hostName), \(queue.owner), now())
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, seen_at = excluded.seen_at
            """, logger: logger)
    }

    private func tryReaperLock(_ connection: PostgresConnection) async throws -> Bool {
        for try await held in try await connection.query("SELECT pg_try_advisory_lock(\(Self.reaperLockKey))", logger: logger)
            .decode(Bool.self)
        {
            if held { logger.info("database: this host (\(queue.hostName)) returns expired leases for the cluster") }
            return held
        }
        return false
    }

    private func reap(_ connection: PostgresConnection, prune: Bool) async throws {
        var returned = 0
        for try await _ in try await connection.query(
            """
            UPDATE message SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL
            WHERE id IN (SELECT id FROM message WHERE state = 'inflight' AND lease_expires_at < now()
                         FOR UPDATE SKIP LOCKED)
            RETURNING id
            """, logger: logger
        ).decode(String.self) {
            returned += 1
        }
        if returned > 0 {
            _ = try await connection.query("SELECT pg_notify(\(PostgresWakeups.channel), '')", logger: logger)
            logger.warning("database: \(returned) messages whose host stopped renewing its leases are back in the queue")
        }
        guard prune else { return }
        let now = HeraldPluginAPI.Clock.nowMillis()
        let before = now - dedupWindow.milliseconds
        let dropped = try await queue.finished.dropBefore(before, on: connection, logger: logger)
        if dropped > 0 { logger.info("database: dropped \(dropped) days of finished messages past dedup_window") }
        // Dead letters (and rows finished before migration 9) stay in the claim table: deleted in batches, up to
        // a million a minute, so one busy day's worth never outgrows the pruning.
        for _ in 0..<100 {
            let deleted = try await connection.query(
                """
                DELETE FROM message WHERE ctid IN (
                    SELECT ctid FROM message WHERE state IN ('delivered', 'expired', 'failed', 'suppressed', 'capped', 'cancelled')
                    AND updated_at < \(before) LIMIT 10000)
                RETURNING 1
                """, logger: logger
            ).collect().count
            if deleted < 10000 { break }
        }
        try await caps?.prune(connection, now: now)
        try await stats?.dropExpired(connection, now: now, logger: logger)
    }
}
