import Foundation
import GRDB

/// The read side of the event ledger: counts per group and latency percentiles per channel over a window, for
/// `herald stats` (which opens the database read-only, so it never takes the daemon's write lock) and for
/// `EventLedger` itself. Windows are whole hours: `since` is rounded down to the start of its hour, so "the last
/// hour" at 10:20 counts from 09:00. Not a log reader: events older than the ledger's retention are gone.
public struct StatsQuery: Sendable {
    private let reader: any DatabaseReader

    init(reader: any DatabaseReader) {
        self.reader = reader
    }

    /// Opens `directory/events.sqlite` read-only; `EventLedgerError.missing` when the daemon has not created it.
    public init(directory: String) throws {
        let path = directory + "/" + EventLedger.fileName
        guard FileManager.default.fileExists(atPath: path) else { throw EventLedgerError.missing(path: path) }
        do {
            reader = try StateDatabase.openReadOnly(path: path)
        } catch {
            throw EventLedgerError.unreadable(path: path, cause: "\(error)")
        }
    }

    /// Event counts per group since `since` (milliseconds), groups sorted; an absent campaign, stage or channel is
    /// the group "".
    public func counts(since: Int64, by grouping: StatsGrouping) throws -> [StatsRow] {
        let column = grouping.rawValue  // one of four fixed column names, never user text
        let rows = try reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(column) AS grp, event, SUM(count) AS total FROM counter
                    WHERE hour >= ? GROUP BY grp, event
                    """,
                arguments: [EventTally.hour(of: since)])
        }
        return StatsRow.grouped(rows.map { (group: $0["grp"] ?? "", event: $0["event"] ?? "", count: $0["total"] ?? 0) })
    }

    /// p50/p90/p99 of delivered events' latency per channel since `since`, channels sorted; one channel when given.
    public func latencyPercentiles(since: Int64, channel: String? = nil) throws -> [LatencySummary] {
        var sql = "SELECT channel, bucket, SUM(count) AS total FROM latency WHERE hour >= ?"
        var arguments: StatementArguments = [EventTally.hour(of: since)]
        if let channel {
            sql += " AND channel = ?"
            arguments += [channel]
        }
        sql += " GROUP BY channel, bucket"
        let rows = try reader.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        return LatencySummary.summaries(rows.map { (channel: $0["channel"] ?? "", bucket: $0["bucket"] ?? -1, count: $0["total"] ?? 0) })
    }
}

/// What `herald stats --by` groups rows on.
public enum StatsGrouping: String, Sendable, CaseIterable {
    case campaign, stage, channel, event
}

/// One group's event counts, by event name (`delivered`, `failed`, …).
public struct StatsRow: Sendable, Equatable {
    public var group: String
    public var counts: [String: Int]

    public init(group: String, counts: [String: Int]) {
        self.group = group
        self.counts = counts
    }
}

/// Latency percentiles of one channel's deliveries, in milliseconds, and how many deliveries they summarise.
public struct LatencySummary: Sendable, Equatable {
    public var channel: String
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var count: Int

    public init(channel: String, p50: Double, p90: Double, p99: Double, count: Int) {
        self.channel = channel
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.count = count
    }
}

/// Why the ledger cannot be read; `code` is stable (a metric label), the description says what to do.
public enum EventLedgerError: Error, Sendable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String, cause: String)

    public var code: String {
        switch self {
        case .missing: "ledger_missing"
        case .unreadable: "ledger_unreadable"
        }
    }

    public var description: String {
        switch self {
        case .missing(let path):
            "no event statistics yet: \(path) does not exist (`herald run` creates it; check `state` in the config)"
        case .unreadable(let path, let cause):
            "cannot open \(path) read-only (run as the daemon's user, or root): \(cause)"
        }
    }
}
