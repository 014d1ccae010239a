import Foundation
import GRDB
import HeraldPluginAPI
import Synchronization

/// Event statistics and the status-callback outbox, in their own SQLite database `STATE/events.sqlite` (WAL), so
/// that counting never waits on the queue's writer. Every batch of delivery-log events is one transaction: hourly
/// counters per (hour, channel, campaign, stage, event) and latency buckets per (hour, channel) from delivered
/// events, both pre-aggregated in memory (`EventTally`) and upserted once per distinct key; with callbacks on, each
/// event's delivery-log JSON object (of the kinds in `callbackEvents`, all when nil) is appended to the outbox that
/// `CallbackService` drains; an outbox row costs about ten times a counted event, so leave out what is not sent.
/// Hourly rows older than `retain` (`[stats] retain`, default 400 days) are pruned on the first batch of each hour;
/// the outbox keeps at most `outboxLimit` rows, dropping the oldest (a dead endpoint must not fill the state disk).
/// Not the delivery log: it keeps no per-message history.
public final class EventLedger: Sendable {
    public static let fileName = "events.sqlite"

    public let path: String
    public let callbacks: Bool
    private let outboxKinds: Set<String>?
    private let outboxLimit: Int
    /// How long hourly rows are kept (ms).
    private let retention: Int64
    private let pool: DatabasePool
    private let lastPruneHour = Atomic<Int64>(.min)
    private let droppedFromOutbox = Atomic<Int>(0)
    /// Rung when events were appended to the outbox; `CallbackService` is its only waiter.
    let outboxChanged = Doorbell()

    public init(
        directory: String, callbacks: Bool, callbackEvents: Set<String>? = nil, outboxLimit: Int = 1_000_000,
        retain: Duration = HeraldConfig.Retention().statsRetain
    ) throws {
        path = directory + "/" + Self.fileName
        self.callbacks = callbacks
        outboxKinds = callbackEvents
        self.outboxLimit = max(1, outboxLimit)
        retention = max(EventTally.hourMillis, retain.milliseconds)
        pool = try StateDatabase.open(directory: directory, file: Self.fileName)
        try Self.migrator.migrate(pool)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Absent channel, campaign and stage are '' so that they take part in the primary key.
            try db.execute(
                sql: """
                    CREATE TABLE counter (
                        hour INTEGER NOT NULL, channel TEXT NOT NULL, campaign TEXT NOT NULL, stage TEXT NOT NULL,
                        event TEXT NOT NULL, count INTEGER NOT NULL,
                        PRIMARY KEY (hour, channel, campaign, stage, event)
                    ) WITHOUT ROWID;
                    CREATE TABLE latency (
                        hour INTEGER NOT NULL, channel TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
                        PRIMARY KEY (hour, channel, bucket)
                    ) WITHOUT ROWID;
                    -- AUTOINCREMENT: sequence numbers are never reused, so webhook ids stay unique.
                    CREATE TABLE outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, json BLOB NOT NULL
                    );
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    """)
        }
        return migrator
    }

    /// The read side: counts and percentiles (also what `herald stats` uses, opened read-only).
    public var stats: StatsQuery { StatsQuery(reader: pool) }

    public func counts(since: Int64, by grouping: StatsGrouping) throws -> [StatsRow] {
        try stats.counts(since: since, by: grouping)
    }

    public func latencyPercentiles(since: Int64, channel: String? = nil) throws -> [LatencySummary] {
        try stats.latencyPercentiles(since: since, channel: channel)
    }

    /// Adds a batch of delivery-log events (intake and dispatch alike) in one transaction. `now` decides pruning.
    public func record(_ events: [LogEvent], now: Int64 = Clock.nowMillis()) throws {
        guard !events.isEmpty else { return }
        let tally = EventTally(events)
        let kinds = outboxKinds
        let outbox = callbacks ? events.filter { kinds?.contains($0.event.rawValue) ?? true }.map(Self.outboxRow) : []
        let hour = EventTally.hour(of: now)
        let prune = lastPruneHour.exchange(hour, ordering: .relaxed) != hour
        let limit = outboxLimit
        let retention = retention
        let dropped = try pool.write { db -> Int in
            let counter = try db.cachedStatement(
                sql: """
                    INSERT INTO counter (hour, channel, campaign, stage, event, count) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (hour, channel, campaign, stage, event) DO UPDATE SET count = count + excluded.count
                    """)
            for (key, count) in tally.counters {
                try counter.execute(arguments: [key.hour, key.channel, key.campaign, key.stage, key.event, count])
            }
            let latency = try db.cachedStatement(
                sql: """
                    INSERT INTO latency (hour, channel, bucket, count) VALUES (?, ?, ?, ?)
                    ON CONFLICT (hour, channel, bucket) DO UPDATE SET count = count + excluded.count
                    """)
            for (key, count) in tally.latencies {
                try latency.execute(arguments: [key.hour, key.channel, key.bucket, count])
            }
            var dropped = 0
            if !outbox.isEmpty {
                let insert = try db.cachedStatement(sql: "INSERT INTO outbox (event, json) VALUES (?, ?)")
                for (event, json) in outbox { try insert.execute(arguments: [event, json]) }
                dropped = try Self.trimOutbox(db, limit: limit)
            }
            if prune {
                let cutoff = hour - retention
                try db.execute(sql: "DELETE FROM counter WHERE hour < ?", arguments: [cutoff])
                try db.execute(sql: "DELETE FROM latency WHERE hour < ?", arguments: [cutoff])
            }
            return dropped
        }
        if dropped > 0 { droppedFromOutbox.add(dropped, ordering: .relaxed) }
        if !outbox.isEmpty { outboxChanged.ring() }
    }

    /// The event name and exactly the delivery-log line's JSON object (without its newline), with a reply's text.
    private static func outboxRow(_ event: LogEvent) -> (String, Data) {
        var writer = JSONWriter(reservingCapacity: 320)
        event.write(into: &writer, withText: true)
        var bytes = writer.bytes
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return (event.event.rawValue, Data(bytes))
    }

    /// Sequence numbers only grow and rows leave from the front, so max - min + 1 bounds the row count. (Two
    /// subqueries: SQLite reads one end of the index for a lone MIN or MAX, but scans the table for both at once.)
    private static func trimOutbox(_ db: Database, limit: Int) throws -> Int {
        let ends = "SELECT (SELECT MIN(seq) FROM outbox) AS low, (SELECT MAX(seq) FROM outbox) AS high"
        guard let row = try Row.fetchOne(db.cachedStatement(sql: ends)),
            let low: Int64 = row["low"], let high: Int64 = row["high"], high - low + 1 > Int64(limit)
        else { return 0 }
        try db.execute(sql: "DELETE FROM outbox WHERE seq <= ?", arguments: [high - Int64(limit)])
        return db.changesCount
    }

    // MARK: - Outbox, for CallbackService

    /// The oldest unacknowledged events, up to `limit`. The batch's last sequence number is stored, so until it
    /// is acknowledged the same rows come back, after a restart too: a retried batch keeps its webhook id.
    func pending(limit: Int) throws -> [OutboxEntry] {
        try pool.write { db in
            let select = "SELECT seq, event, json FROM outbox"
            if let through = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'inflight'") {
                let rows = try Row.fetchAll(db, sql: select + " WHERE seq <= ? ORDER BY seq", arguments: [through])
                if !rows.isEmpty { return rows.map(OutboxEntry.init(row:)) }
            }
            let entries = try Row.fetchAll(db, sql: select + " ORDER BY seq LIMIT ?", arguments: [max(1, limit)])
                .map(OutboxEntry.init(row:))
            if let last = entries.last {
                try db.execute(
                    sql: """
                        INSERT INTO meta (key, value) VALUES ('inflight', ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value
                        """,
                    arguments: [last.seq])
            } else {
                try db.execute(sql: "DELETE FROM meta WHERE key = 'inflight'")
            }
            return entries
        }
    }

    /// The receiver took every event up to `seq`: they leave the outbox.
    func acknowledge(through seq: Int64) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE seq <= ?", arguments: [seq])
            try db.execute(sql: "DELETE FROM meta WHERE key = 'inflight'")
        }
    }

    /// How many events the outbox dropped (over its limit) since the last call.
    func takeDroppedCount() -> Int {
        droppedFromOutbox.exchange(0, ordering: .relaxed)
    }
}

/// One outbox row: its sequence number, event name and delivery-log JSON object.
struct OutboxEntry: Sendable, Equatable {
    var seq: Int64
    var event: String
    var json: [UInt8]

    init(seq: Int64, event: String, json: [UInt8]) {
        self.seq = seq
        self.event = event
        self.json = json
    }

    init(row: Row) {
        seq = row["seq"] ?? 0
        event = row["event"] ?? ""
        json = (row["json"] as Data?).map { [UInt8]($0) } ?? []
    }
}
