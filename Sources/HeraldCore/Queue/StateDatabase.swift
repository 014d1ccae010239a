import Foundation
import GRDB

/// How Herald opens each of its SQLite files under the state directory (queue, policy, events): WAL through a
/// `DatabasePool`, a busy timeout instead of immediate SQLITE_BUSY, two readers, and `synchronous = NORMAL`, so a
/// commit survives a process crash and only an OS crash can lose the last few batches.
enum StateDatabase {
    /// - Parameter prepare: more per-connection setup (e.g. a larger page cache for the queue's writer).
    static func open(
        directory: String, file: String, prepare: @escaping @Sendable (Database) throws -> Void = { _ in }
    ) throws -> DatabasePool {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 2
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try prepare(db)
        }
        return try DatabasePool(path: directory + "/" + file, configuration: configuration)
    }
}
