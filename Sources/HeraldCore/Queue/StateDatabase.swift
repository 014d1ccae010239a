import Foundation
import GRDB

/// How Herald opens each of its SQLite files under the state directory (queue, policy, events): WAL through a
/// `DatabasePool`, a busy timeout instead of immediate SQLITE_BUSY, and two readers. Not a place for queries.
///
/// Durability is chosen per file and per write (README, "What survives a crash"): `synchronous = NORMAL` survives a
/// process crash; a transaction that something outside the database depends on (a spool file about to be
/// unlinked, a dead letter about to be removed, an unsubscribe about to be answered) syncs the WAL at its commit,
/// so it survives an OS crash or a power cut too.
enum StateDatabase {
    enum Synchronous: String, Sendable {
        /// The WAL is synced at checkpoints only: a process crash loses nothing, a power cut the last commits.
        case normal = "NORMAL"
        /// The WAL is synced at every commit: one fsync per transaction.
        case full = "FULL"
    }

    /// - Parameter prepare: more per-connection setup (e.g. a larger page cache for the queue's writer).
    static func open(
        directory: String, file: String, synchronous: Synchronous = .normal,
        prepare: @escaping @Sendable (Database) throws -> Void = { _ in }
    ) throws -> DatabasePool {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 2
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try prepare(db)
        }
        let pool = try DatabasePool(path: directory + "/" + file, configuration: configuration)
        // GRDB sets NORMAL on the writer when it turns WAL on, after `prepareDatabase`: only a later pragma holds.
        if synchronous == .full { try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") } }
        return pool
    }
}

extension StateDatabase {
    /// A state file opened read-only by a CLI command beside a running daemon: it never takes the write lock.
    static func openReadOnly(path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}

extension DatabasePool {
    /// One transaction whose commit is on disk when this returns (`synchronous = FULL` for it alone), on a pool
    /// opened with `.normal`: the cost of an fsync is paid only where a file outside the database depends on it.
    func writeDurably<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            guard let result else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "transaction gave no result") }
            return result
        }
    }
}
