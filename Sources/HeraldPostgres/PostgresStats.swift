import Foundation
import HeraldCore
import Logging
import PostgresNIO
import Synchronization

/// The cluster's event counters (`herald stats` for every host at once): the same hourly counters and latency
/// buckets as a host's `events.sqlite`, with the host that counted them, in tables partitioned by day (UTC), so
/// retention drops whole partitions instead of deleting rows. Each host adds its own tallies (`SharedStatsWriter`),
/// one transaction per write; partitions are created when first needed, under a transaction advisory lock, since
/// two hosts may need the same day's at once.
public final class PostgresStats: SharedCounters, StatsSource {
    static let partitionLockKey: Int64 = 0x6865_7261_6C64_7374
    static let tables = ["stat_counter", "stat_latency"]
    static let dayMillis: Int64 = 86_400_000

    private let connections: PostgresConnections
    private let host: String
    /// How long counts are kept (ms): `[retention] stats_retain`.
    let retain: Int64
    private let partitioned = Mutex<Set<Int64>>([])
    /// Connections of its own (a command's), closed with it; shared ones close with the queue.
    private let ownsConnections: Bool

    public init(sharingConnectionsOf queue: PostgresQueue, retain: Duration) {
        connections = queue.connections
        host = queue.hostName
        self.retain = max(Self.dayMillis, retain.milliseconds)
        ownsConnections = false
    }

    /// For a command beside the daemon (`herald stats`): reads only.
    public init(_ state: PostgresState) throws {
        connections = try PostgresConnections(state)
        host = state.settings.hostName
        retain = Self.dayMillis
        ownsConnections = true
    }

    deinit {
        if ownsConnections { connections.closeAll() }
    }

    public func record(_ tally: EventTally) throws {
        guard !tally.isEmpty else { return }
        let days = Set(tally.counters.keys.map(\.hour).map(Self.day(of:)) + tally.latencies.keys.map(\.hour).map(Self.day(of:)))
        try ensurePartitions(days)
        let counters = Array(tally.counters)
        let latencies = Array(tally.latencies)
        try connections.with { connection in
            _ = try connection.query("BEGIN", logger: connections.logger).wait()
            do {
                if !counters.isEmpty {
                    _ = try connection.query(
                        """
                        INSERT INTO stat_counter (hour, host, channel, campaign, stage, event, count)
                        SELECT u.hour, \(host), u.channel, u.campaign, u.stage, u.event, u.count
                        FROM unnest(\(counters.map(\.key.hour))::bigint[], \(counters.map(\.key.channel))::text[],
                                    \(counters.map(\.key.campaign))::text[], \(counters.map(\.key.stage))::text[],
                                    \(counters.map(\.key.event))::text[], \(counters.map { Int64($0.value) })::bigint[])
                             AS u(hour, channel, campaign, stage, event, count)
                        ON CONFLICT (hour, host, channel, campaign, stage, event)
                        DO UPDATE SET count = stat_counter.count + EXCLUDED.count
                        """, logger: connections.logger
                    ).wait()
                }
                if !latencies.isEmpty {
                    _ = try connection.query(
                        """
                        INSERT INTO stat_latency (hour, host, channel, bucket, count)
                        SELECT u.hour, \(host), u.channel, u.bucket, u.count
                        FROM unnest(\(latencies.map(\.key.hour))::bigint[], \(latencies.map(\.key.channel))::text[],
                                    \(latencies.map(\.key.bucket))::int[], \(latencies.map { Int64($0.value) })::bigint[])
                             AS u(hour, channel, bucket, count)
                        ON CONFLICT (hour, host, channel, bucket) DO UPDATE SET count = stat_latency.count + EXCLUDED.count
                        """, logger: connections.logger
                    ).wait()
                }
                _ = try connection.query("COMMIT", logger: connections.logger).wait()
            } catch {
                _ = try? connection.query("ROLLBACK", logger: connections.logger).wait()
                throw error
            }
        }
    }

    public func counts(since: Int64, by grouping: StatsGrouping) throws -> [StatsRow] {
        // One of four fixed column names, never user text.
        let sql = """
            SELECT \(grouping.rawValue), event, sum(count)::bigint FROM stat_counter WHERE hour >= $1 GROUP BY 1, 2
            """
        return try grouped(sql, since: since)
    }

    public func hostCounts(since: Int64) throws -> [StatsRow] {
        try grouped("SELECT host, event, sum(count)::bigint FROM stat_counter WHERE hour >= $1 GROUP BY 1, 2", since: since)
    }

    public func latencyPercentiles(since: Int64, channel: String?) throws -> [LatencySummary] {
        let rows = try connections.query(
            """
            SELECT channel, bucket, sum(count)::bigint FROM stat_latency
            WHERE hour >= \(EventTally.hour(of: since)) AND (\(channel)::text IS NULL OR channel = \(channel))
            GROUP BY 1, 2
            """)
        return LatencySummary.summaries(
            try rows.map { row in
                let (channel, bucket, count) = try row.decode((String, Int, Int64).self)
                return (channel, bucket, Int(count))
            })
    }

    private func grouped(_ sql: String, since: Int64) throws -> [StatsRow] {
        var binds = PostgresBindings()
        binds.append(EventTally.hour(of: since))
        let rows = try connections.query(PostgresQuery(unsafeSQL: sql, binds: binds))
        return StatsRow.grouped(
            try rows.map { row in
                let (group, event, count) = try row.decode((String, String, Int64).self)
                return (group, event, Int(count))
            })
    }

    static func day(of millis: Int64) -> Int64 {
        let remainder = millis % dayMillis
        return millis - (remainder < 0 ? remainder + dayMillis : remainder)
    }

    /// `stat_counter_d20261201`: the partition of the UTC day starting at `day` (ms).
    static func partition(_ table: String, day: Int64) -> String {
        let date = utc.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) / 1000))
        return table + "_d" + String(format: "%04d%02d%02d", date.year ?? 0, date.month ?? 0, date.day ?? 0)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()

    /// Creates the day partitions `days` need (and the next day's, so midnight finds it there).
    private func ensurePartitions(_ days: Set<Int64>) throws {
        let wanted = days.union(days.map { $0 + Self.dayMillis })
        let missing = partitioned.withLock { wanted.subtracting($0) }
        guard !missing.isEmpty else { return }
        try connections.with { connection in
            _ = try connection.query("BEGIN", logger: connections.logger).wait()
            do {
                _ = try connection.query("SELECT pg_advisory_xact_lock(\(Self.partitionLockKey))", logger: connections.logger).wait()
                for day in missing.sorted() {
                    for table in Self.tables {
                        _ = try connection.query(
                            PostgresQuery(
                                unsafeSQL: """
                                    CREATE TABLE IF NOT EXISTS \(Self.partition(table, day: day)) PARTITION OF \(table)
                                    FOR VALUES FROM (\(day)) TO (\(day + Self.dayMillis))
                                    """), logger: connections.logger
                        ).wait()
                    }
                }
                _ = try connection.query("COMMIT", logger: connections.logger).wait()
            } catch {
                _ = try? connection.query("ROLLBACK", logger: connections.logger).wait()
                throw error
            }
        }
        partitioned.withLock { $0.formUnion(missing) }
    }

    /// Drops the day partitions wholly older than `retain` (`PostgresLeases` calls it on the reaper host).
    func dropExpired(_ connection: PostgresConnection, now: Int64, logger: Logger) async throws {
        let cutoff = Self.day(of: now - retain)
        var expired: [String] = []
        for try await name in try await connection.query(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = ANY(\(Self.tables)::text[])
            """, logger: logger
        ).decode(String.self) {
            guard let day = Self.day(ofPartition: name), day < cutoff else { continue }
            expired.append(name)
        }
        for name in expired {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(name)"), logger: logger)
        }
        if !expired.isEmpty {
            partitioned.withLock { $0.removeAll() }
            logger.info("database: dropped \(expired.count) day partitions of stats older than the retention")
        }
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
}
