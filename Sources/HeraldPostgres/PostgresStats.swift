import HeraldCore
import Logging
import PostgresNIO

/// The cluster's event counters (`herald stats` for every host at once): the same hourly counters and latency
/// buckets as a host's `events.sqlite`, with the host that counted them, in tables partitioned by day (UTC), so
/// retention drops whole partitions instead of deleting rows (`PostgresDayPartitions`). Each host adds its own
/// tallies (`SharedStatsWriter`), one transaction per write.
public final class PostgresStats: SharedCounters, StatsSource {
    static let tables = ["stat_counter", "stat_latency"]

    private let connections: PostgresConnections
    private let host: String
    /// How long counts are kept (ms): `[retention] stats_retain`.
    let retain: Int64
    private let partitions: PostgresDayPartitions
    /// Connections of its own (a command's), closed with it; shared ones close with the queue.
    private let ownsConnections: Bool

    public init(sharingConnectionsOf queue: PostgresQueue, retain: Duration) {
        connections = queue.connections
        host = queue.hostName
        self.retain = max(PostgresDayPartitions.dayMillis, retain.milliseconds)
        partitions = PostgresDayPartitions(tables: Self.tables, connections: connections)
        ownsConnections = false
    }

    /// For a command beside the daemon (`herald stats`): reads only.
    public init(_ state: PostgresState) throws {
        connections = try PostgresConnections(state)
        host = state.settings.hostName
        retain = PostgresDayPartitions.dayMillis
        partitions = PostgresDayPartitions(tables: Self.tables, connections: connections)
        ownsConnections = true
    }

    deinit {
        if ownsConnections { connections.closeAll() }
    }

    public func record(_ tally: EventTally) throws {
        guard !tally.isEmpty else { return }
        try partitions.ensure(tally.counters.keys.map(\.hour) + tally.latencies.keys.map(\.hour))
        let counters = Array(tally.counters)
        let latencies = Array(tally.latencies)
        try connections.transaction { connection in
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
}

extension PostgresStats {
    /// Drops the day partitions wholly older than `retain` (`PostgresLeases` calls it on the reaper host).
    func dropExpired(_ connection: PostgresConnection, now: Int64, logger: Logger) async throws {
        let dropped = try await partitions.dropBefore(PostgresDayPartitions.day(of: now - retain), on: connection, logger: logger)
        if dropped > 0 { logger.info("database: dropped \(dropped) day partitions of stats older than the retention") }
    }
}
