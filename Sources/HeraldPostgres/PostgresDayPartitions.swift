import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Tables partitioned by UTC day on a bigint of unix milliseconds (`PARTITION BY RANGE`): partitions are created
/// when a day first needs one (with the next day's, so midnight finds it there), under a transaction advisory
/// lock since two hosts may need the same day at once; retention drops whole days (`dropBefore`) instead of
/// deleting rows. Partition names end in `_dYYYYMMDD`.
final class PostgresDayPartitions: Sendable {
    static let lockKey: Int64 = 0x6865_7261_6C64_7374
    static let dayMillis: Int64 = 86_400_000

    let tables: [String]
    private let connections: PostgresConnections
    private let made = Mutex<Set<Int64>>([])

    init(tables: [String], connections: PostgresConnections) {
        self.tables = tables
        self.connections = connections
    }

    static func day(of millis: Int64) -> Int64 {
        let remainder = millis % dayMillis
        return millis - (remainder < 0 ? remainder + dayMillis : remainder)
    }

    /// Makes sure the partitions of the days holding `instants` (ms) exist; a day already seen costs nothing.
    func ensure(_ instants: some Sequence<Int64>) throws {
        let days = Set(instants.map(Self.day(of:)))
        let wanted = days.union(days.map { $0 + Self.dayMillis })
        let missing = made.withLock { wanted.subtracting($0) }
        guard !missing.isEmpty else { return }
        let logger = connections.logger
        try connections.transaction { connection in
            _ = try connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger).wait()
            for day in missing.sorted() {
                for table in tables {
                    _ = try connection.query(
                        PostgresQuery(
                            unsafeSQL: """
                                CREATE TABLE IF NOT EXISTS \(Self.partition(table, day: day)) PARTITION OF \(table)
                                FOR VALUES FROM (\(day)) TO (\(day + Self.dayMillis))
                                """), logger: logger
                    ).wait()
                }
            }
        }
        made.withLock { $0.formUnion(missing) }
    }

    /// Drops the partitions of days that ended before `cutoff` (ms); returns how many went.
    @discardableResult
    func dropBefore(_ cutoff: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var expired: [String] = []
        for try await name in try await connection.query(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = ANY(\(tables)::text[])
            """, logger: logger
        ).decode(String.self) {
            guard let day = Self.day(ofPartition: name), day + Self.dayMillis <= cutoff else { continue }
            expired.append(name)
        }
        for name in expired {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(name)"), logger: logger)
        }
        if !expired.isEmpty { made.withLock { $0.removeAll() } }
        return expired.count
    }

    /// `stat_counter_d20261201`: the partition of the UTC day starting at `day` (ms).
    static func partition(_ table: String, day: Int64) -> String {
        let date = utc.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) / 1000))
        return table + "_d" + String(format: "%04d%02d%02d", date.year ?? 0, date.month ?? 0, date.day ?? 0)
    }

    /// The day (ms) a partition name stands for, nil for a name that is not one of ours.
    static func day(ofPartition name: String) -> Int64? {
        guard let marker = name.range(of: "_d", options: .backwards) else { return nil }
        let digits = name[marker.upperBound...]
        guard digits.count == 8, let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)),
            let day = Int(digits.suffix(2)),
            let date = utc.date(from: DateComponents(year: year, month: month, day: day))
        else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()
}
