import GRDB

/// What keeps `queue.sqlite` bounded: finished rows (delivered, expired, failed, suppressed, capped) are deleted
/// once they have been finished for longer than `dedup_window`, in small batches, and the freed pages go back to the file
/// system through incremental auto-vacuum. Pending rows (queued, deferred, in flight) are never touched here. Not
/// the schedule: `RetentionService` decides when and how much; this file only has the statements.
extension QueueStore {
    /// The prune's terms. A finished row's `due_at` is when it ended (`apply` sets it), so `message_due`
    /// (channel, state, due_at) holds the finished rows of each channel in the order they may go, and the prune
    /// seeks it once per channel and finished state. No index of its own: one more index entry written by every
    /// outcome cost more delivery CPU (about a third of the queue's) than walking this one saves the prune.
    static let finishedStates =
        "state IN (" + MessageState.finished.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    /// Every channel with a row, one index seek each (a skip-scan of `message_due`): channels that left the config
    /// keep rows that must go too.
    static let channelsWithRows = """
        WITH RECURSIVE c(name) AS (
            SELECT MIN(channel) FROM message
            UNION ALL SELECT (SELECT MIN(channel) FROM message WHERE channel > c.name) FROM c WHERE c.name IS NOT NULL)
        SELECT name FROM c WHERE name IS NOT NULL
        """

    /// A new database gets incremental auto-vacuum before its first table; an existing one keeps its mode until
    /// `convertToIncrementalVacuum()` rewrites it. Called before the migrator. Switching to WAL has already written
    /// the file's header, which fixes the mode, so even the empty file needs its (instant) VACUUM.
    static func prepareAutoVacuum(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            let objects = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") ?? 0
            guard objects == 0, try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }

    /// SQLite's `auto_vacuum` mode: 0 none, 1 full, 2 incremental.
    public func autoVacuumMode() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0 }
    }

    /// Switches a database created before incremental auto-vacuum: the mode only takes effect through one VACUUM,
    /// which rewrites the file under the write lock. The daemon runs it once, after the first prune pass has
    /// deleted what the window no longer keeps, so it copies only what stays. Returns whether it ran.
    @discardableResult
    public func convertToIncrementalVacuum() throws -> Bool {
        try pool.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 else { return false }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
            return true
        }
    }

    /// Deletes up to `limit` finished rows that ended before `before` (ms), in one short transaction; returns how
    /// many went. Their ids stop counting as duplicates.
    public func pruneFinished(before: Int64, limit: Int) throws -> Int {
        try pool.write { db in
            var left = max(1, limit)
            let delete = try db.cachedStatement(
                sql: """
                    DELETE FROM message WHERE rowid IN (
                        SELECT rowid FROM message WHERE channel = ? AND \(Self.finishedStates) AND due_at < ? LIMIT ?)
                    """)
            for channel in try String.fetchAll(db, sql: Self.channelsWithRows) where left > 0 {
                try delete.execute(arguments: [channel, before, left])
                left -= db.changesCount
            }
            return max(1, limit) - left
        }
    }

    /// Returns up to `pages` free pages to the file system (the file shrinks at the next checkpoint, as it is in
    /// WAL mode); returns how many free pages are left.
    public func releaseFreePages(_ pages: Int) throws -> Int {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA incremental_vacuum(\(max(1, pages)))")
            return try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        }
    }

    /// The file's pages in use and free (`page_count`, `freelist_count`), for tests and the log.
    public func pageCounts() throws -> (pages: Int, free: Int) {
        try pool.read { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            return (pages, try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
        }
    }

    /// Copies the WAL into the file without waiting on readers, so pages released above leave the disk soon.
    public func passiveCheckpoint() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
    }
}
