/// Where `herald stats` reads its counts: this host's event ledger (`StatsQuery`, SQLite) or, with `[database]`,
/// the cluster's counters, to which every host adds its own.
public protocol StatsSource: Sendable {
    func counts(since: Int64, by grouping: StatsGrouping) throws -> [StatsRow]
    func latencyPercentiles(since: Int64, channel: String?) throws -> [LatencySummary]
    /// Event counts per host (the row's group), for a cluster; empty for one host.
    func hostCounts(since: Int64) throws -> [StatsRow]
}

/// The cluster's event counters: each host adds the tallies of its delivery log (`SharedStatsWriter`).
public protocol SharedCounters: Sendable {
    func record(_ tally: EventTally) throws
}

extension StatsQuery: StatsSource {
    public func hostCounts(since: Int64) throws -> [StatsRow] { [] }
}

extension LatencySummary {
    /// p50/p90/p99 per channel from summed (channel, bucket, count) rows, channels sorted.
    public static func summaries(_ rows: [(channel: String, bucket: Int, count: Int)]) -> [LatencySummary] {
        var histograms: [String: LatencyHistogram] = [:]
        for row in rows { histograms[row.channel, default: LatencyHistogram()].add(bucket: row.bucket, count: row.count) }
        return histograms.keys.sorted().compactMap { name in
            guard let histogram = histograms[name], let p50 = histogram.percentile(0.5),
                let p90 = histogram.percentile(0.9), let p99 = histogram.percentile(0.99)
            else { return nil }
            return LatencySummary(channel: name, p50: p50, p90: p90, p99: p99, count: histogram.total)
        }
    }
}

extension StatsRow {
    /// Rows from summed (group, event, count) rows, groups sorted.
    public static func grouped(_ rows: [(group: String, event: String, count: Int)]) -> [StatsRow] {
        var table: [String: [String: Int]] = [:]
        for row in rows { table[row.group, default: [:]][row.event, default: 0] += row.count }
        return table.keys.sorted().map { StatsRow(group: $0, counts: table[$0] ?? [:]) }
    }
}
