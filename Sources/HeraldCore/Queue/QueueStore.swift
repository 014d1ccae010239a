import Foundation
import GRDB
import HeraldPluginAPI

/// The durable queue: one SQLite database in WAL mode under the state directory (DESIGN §1). Intake inserts
/// batches in one transaction; the dispatcher claims due messages per channel and records outcomes in batches.
/// Every state change of a message is one row update here. Not a policy engine: it stores what it is told.
public final class QueueStore: Sendable {
    public let path: String
    let pool: DatabasePool

    public init(directory: String) throws {
        path = directory + "/queue.sqlite"
        pool = try StateDatabase.open(directory: directory, file: "queue.sqlite") { db in
            // 8 MiB of page cache for the writer (the default is 2): a queue of a million rows keeps its index
            // pages hot. Readers (status counts, `herald queue`) keep the default, so RSS stays under budget.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -8192") }
        }
        try Self.prepareAutoVacuum(pool)
        try Self.migrator.migrate(pool)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE message (
                        id TEXT PRIMARY KEY NOT NULL,
                        channel TEXT NOT NULL,
                        state TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        due_at INTEGER NOT NULL,
                        expires_at INTEGER,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        campaign TEXT,
                        stage TEXT,
                        last_code TEXT,
                        last_detail TEXT,
                        updated_at INTEGER NOT NULL,
                        history TEXT,
                        body BLOB
                    );
                    CREATE INDEX message_ready ON message(channel, state, priority DESC, created_at);
                    CREATE INDEX message_due ON message(channel, state, due_at);
                    """)
        }
        // The recipient's email domain, for per-domain rates: a claim can pass over a domain that is held.
        migrator.registerMigration("v2-domain") { db in
            try db.execute(sql: "ALTER TABLE message ADD COLUMN domain TEXT")
        }
        // v3 added a partial index on finished rows for the prune; maintaining it on every outcome cost more
        // delivery CPU than the prune saved, and `message_due` serves the prune as well (QueueStore+Retention).
        migrator.registerMigration("v3-retention") { _ in }
        migrator.registerMigration("v4-no-finished-index") { db in
            try db.execute(sql: "DROP INDEX IF EXISTS message_finished")
        }
        // Messages waiting for their recipient (`parked`), found by the address that wakes them; the partial index
        // holds parked rows only, so no other state change pays for it.
        migrator.registerMigration("v5-parking") { db in
            try db.execute(
                sql: """
                    ALTER TABLE message ADD COLUMN park_key TEXT;
                    ALTER TABLE message ADD COLUMN parked_at INTEGER;
                    CREATE INDEX message_parked ON message(channel, park_key) WHERE state = 'parked';
                    """)
        }
        return migrator
    }

    /// Inserts new messages in one transaction, on disk when this returns (intake unlinks the spool files next);
    /// returns, per message, whether it was new (false: a duplicate id).
    public func insert(_ batch: [NewMessage]) throws -> [Bool] {
        try pool.writeDurably { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO message (id, channel, state, priority, created_at, due_at, expires_at, campaign, stage,
                                         updated_at, body, domain)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING
                    """)
            var inserted: [Bool] = []
            inserted.reserveCapacity(batch.count)
            for item in batch {
                let message = item.message
                let due = max(message.notBefore ?? item.receivedAt, item.receivedAt)
                let state: MessageState = due > item.receivedAt ? .deferred : .queued
                try statement.execute(arguments: [
                    message.id, message.channel, state.rawValue, message.priority.rank, item.receivedAt, due,
                    message.expiresAt, message.campaign, message.stage, item.receivedAt, Data(item.body),
                    message.to.email.flatMap(Self.domain(of:)),
                ])
                inserted.append(db.changesCount > 0)
            }
            return inserted
        }
    }

    /// After a crash, what was handed to plugins goes back to the queue: delivered at least once, never lost.
    @discardableResult
    public func recoverInFlight(now: Int64) throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE message SET state = 'queued', updated_at = ? WHERE state = 'inflight'", arguments: [now])
            return db.changesCount
        }
    }

    /// Moves due deferred messages of `channel` to queued, then claims up to `limit` by priority then age,
    /// passing over messages to the recipient domains in `excluding` (held by their per-domain rate).
    public func claim(channel: String, limit: Int, now: Int64, excluding: [String] = []) throws -> [QueueRow] {
        try pool.write { db in
            try db.cachedStatement(
                sql: "UPDATE message SET state = 'queued' WHERE channel = ? AND state IN ('deferred', 'parked') AND due_at <= ?"
            ).execute(arguments: [channel, now])
            // One statement picks and marks the batch; RETURNING has no order, so sort afterwards.
            let pick =
                excluding.isEmpty
                ? "channel = ? AND state = 'queued'"
                : "channel = ? AND state = 'queued' AND (domain IS NULL OR domain NOT IN (SELECT value FROM json_each(?)))"
            var arguments: StatementArguments = [now, channel]
            if !excluding.isEmpty {
                var list = JSONWriter()
                list.value(.array(excluding.map { .string($0) }))
                arguments += [String(decoding: list.bytes, as: UTF8.self)]
            }
            arguments += [limit]
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE message SET state = 'inflight', updated_at = ?
                        WHERE rowid IN (SELECT rowid FROM message WHERE \(pick)
                                        ORDER BY priority DESC, created_at LIMIT ?)
                        RETURNING id, priority, created_at, due_at, expires_at, attempts, campaign, stage, body, domain,
                                  parked_at
                        """), arguments: arguments)
            var claimed: [QueueRow] = []
            claimed.reserveCapacity(rows.count)
            for row in rows {
                // Columns by position: lookups by name lower-case the name on every call.
                let body: Data? = row[8]
                claimed.append(
                    QueueRow(
                        id: row[0], channel: channel, state: .inflight, priority: row[1], createdAt: row[2],
                        dueAt: row[3], expiresAt: row[4], attempts: row[5], campaign: row[6], stage: row[7],
                        domain: row[9], body: body.map { [UInt8]($0) } ?? [], parkedAt: row[10]))
            }
            claimed.sort { ($0.priority, -$0.createdAt) > ($1.priority, -$1.createdAt) }
            return claimed
        }
    }

    /// The lower-cased domain of an address, the key of `domain_rate`.
    public static func domain(of email: String) -> String? {
        let bytes = email.utf8
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), bytes.index(after: at) < bytes.endIndex else { return nil }
        // domain_rate keys are ASCII, so ASCII lower-casing is all a match needs, and far cheaper than lowercased().
        return String(decoding: bytes[bytes.index(after: at)...].map { (65...90).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The earliest time a deferred or parked message of `channel` becomes due.
    public func nextDue(channel: String) throws -> Int64? {
        try pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MIN(due_at) FROM message WHERE channel = ? AND state IN ('deferred', 'parked')",
                arguments: [channel])
        }
    }

    /// Makes the messages of `channel` parked for `key` due now; returns how many.
    @discardableResult
    public func wake(channel: String, key: String, now: Int64) throws -> Int {
        try pool.write { db in
            try db.cachedStatement(
                sql: "UPDATE message SET state = 'queued', due_at = ? WHERE channel = ? AND state = 'parked' AND park_key = ?"
            ).execute(arguments: [now, channel, key])
            return db.changesCount
        }
    }

    /// Records outcomes in one transaction. Delivered, suppressed, capped and expired messages drop their body (failed
    /// ones keep it for `herald requeue`); the id stays for deduplication until the prune. A finished row's `due_at`
    /// is `now`, whatever the update says: the prune reads it as the time the message ended.
    public func apply(_ updates: [StateUpdate], now: Int64) throws {
        guard !updates.isEmpty else { return }
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE message SET state = ?, due_at = ?, attempts = ?, last_code = ?, last_detail = ?,
                        updated_at = ?, history = CASE WHEN ? IS NULL THEN history ELSE coalesce(history, '') || ? END,
                        body = CASE WHEN ? IN ('delivered', 'suppressed', 'capped', 'expired') THEN NULL ELSE body END,
                        channel = coalesce(?, channel), park_key = ?,
                        parked_at = CASE WHEN ? IS NOT NULL THEN NULL ELSE coalesce(?, parked_at) END
                    WHERE id = ?
                    """)
            for update in updates {
                let entry = update.historyEntry.map { $0 + "\n" }
                try statement.execute(arguments: [
                    update.state.rawValue, update.state.isFinished ? now : update.dueAt, update.attempts, update.code,
                    update.detail, now, entry, entry,
                    update.state.rawValue, update.channel, update.park?.key, update.channel, update.park?.since, update.id,
                ])
            }
        }
    }

    /// Puts a message back: a channel that was paused for bad credentials hands its claimed rows back this way.
    public func release(ids: [String], dueAt: Int64) throws {
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE message SET state = 'deferred', due_at = ? WHERE id = ? AND state = 'inflight'")
            for id in ids { try statement.execute(arguments: [dueAt, id]) }
        }
    }

    public func counts() throws -> [QueueCount] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT channel, state, COUNT(*) AS n, MIN(created_at) AS oldest FROM message
                    GROUP BY channel, state ORDER BY channel, state
                    """
            ).compactMap { row in
                guard let state = MessageState(rawValue: row["state"]) else { return nil }
                return QueueCount(channel: row["channel"], state: state, count: row["n"], oldestCreatedAt: row["oldest"])
            }
        }
    }

    /// Pending work (queued, deferred, parked, in flight) per state, for `STATUS=`. Counted per channel so the
    /// (channel, state, …) index answers; a scan of a million-row table would cost a second of CPU.
    public func pendingCounts(channels: [String]) throws -> [MessageState: Int] {
        try pool.read { db in
            var result: [MessageState: Int] = [:]
            let statement = try db.cachedStatement(sql: "SELECT COUNT(*) FROM message WHERE channel = ? AND state = ?")
            for channel in channels {
                for state in [MessageState.queued, .deferred, .parked, .inflight] {
                    result[state, default: 0] += try Int.fetchOne(statement, arguments: [channel, state.rawValue]) ?? 0
                }
            }
            return result
        }
    }

    /// Where a message went and for which campaign and stage, while its row is kept (`dedup_window`): what a late
    /// event (a bounce days later) is attributed to.
    public func origin(id: String) throws -> (channel: String, campaign: String?, stage: String?)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT channel, campaign, stage FROM message WHERE id = ?", arguments: [id])
                .map { ($0["channel"], $0["campaign"], $0["stage"]) }
        }
    }

    public func row(id: String) throws -> (state: MessageState, attempts: Int, history: String?)? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT state, attempts, history FROM message WHERE id = ?", arguments: [id]),
                let state = MessageState(rawValue: row["state"])
            else { return nil }
            return (state, row["attempts"], row["history"])
        }
    }

    /// Failed messages back to queued with a fresh attempt count, on disk when this returns (their dead letters
    /// are removed next); returns the ids requeued.
    public func requeue(ids: [String]?, now: Int64) throws -> [String] {
        try pool.writeDurably { db in
            let candidates: [String]
            if let ids {
                candidates = try ids.filter { id in
                    try String.fetchOne(db, sql: "SELECT state FROM message WHERE id = ?", arguments: [id]) == "failed"
                }
            } else {
                candidates = try String.fetchAll(db, sql: "SELECT id FROM message WHERE state = 'failed'")
            }
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE message SET state = 'queued', attempts = 0, due_at = ?, updated_at = ?, created_at = ?
                    WHERE id = ? AND body IS NOT NULL
                    """)
            var done: [String] = []
            for id in candidates {
                try statement.execute(arguments: [now, now, now, id])
                if db.changesCount > 0 { done.append(id) }
            }
            return done
        }
    }

    /// Blocks until every change is in the main database file, so a backup or a small disk sees it whole.
    public func checkpoint() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }
}
