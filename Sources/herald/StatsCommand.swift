import ArgumentParser
import Foundation
import HeraldCore
import HeraldPluginAPI

/// `herald stats`: event counts per campaign, stage, channel or event, and with `--latency` delivery latency
/// percentiles per channel, read from the daemon's event ledger (`STATE/events.sqlite`, opened read-only) rather
/// than by scanning the delivery log. The ledger counts by the hour, so `--since` reaches back to the start of the
/// hour it names. Output: a header row, then one row per group, whitespace-separated (scripts split on spaces).
/// With `[database]` the counts are the cluster's (every host adds its own), followed by a row per host.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count delivery events, grouped by campaign, stage, channel or event; delivery latency per channel; audience sizes.",
        discussion: """
            --by audience reads the membership ledger instead: per channel and audience, the members added and \
            removed (each delivered message counts once) and how many are in it now, as far as Herald knows.
            """)

    /// Columns always shown, in this order; other events seen in the window follow, sorted.
    static let leadingEvents = ["accepted", "delivered", "failed", "suppressed", "capped", "cancelled", "fallback"]

    enum Grouping: String, ExpressibleByArgument, CaseIterable {
        case campaign, stage, channel, event, audience

        var ledger: StatsGrouping? {
            switch self {
            case .campaign: .campaign
            case .stage: .stage
            case .channel: .channel
            case .event: .event
            case .audience: nil
            }
        }
    }

    @OptionGroup var options: ConfigOption

    @Option(help: "Group rows by campaign, stage, channel or event; or audience: members added, removed and in now.")
    var by: Grouping = .event

    @Option(help: "Only events of this last stretch of time, e.g. 15m, 1h, 7d (counted from the start of its hour).")
    var since: String?

    @Flag(help: "Also print p50/p90/p99 delivery latency per channel.")
    var latency = false

    func run() throws {
        let config = try options.load()
        var cutoff: Int64 = 0
        if let since {
            guard let window = DurationText.parse(since) else {
                throw ValidationError("--since \(since): not a duration like 15m, 1h or 7d")
            }
            cutoff = Clock.nowMillis() - window.milliseconds
        }
        guard let grouping = by.ledger else {
            try printAudiences(config.state)
            return
        }
        let query: any StatsSource
        let rows: [StatsRow]
        let hosts: [StatsRow]
        do {
            query = try openStats(config)
            rows = try query.counts(since: cutoff, by: grouping)
            hosts = try query.hostCounts(since: cutoff)
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        if by == .event {
            printEventTotals(rows)
        } else {
            printTable(rows, heading: by.rawValue)
        }
        if !hosts.isEmpty {
            print("")
            printTable(hosts, heading: "host")
        }
        if latency {
            do {
                printLatency(try query.latencyPercentiles(since: cutoff, channel: nil))
            } catch {
                printError("\(error)")
                throw ExitCode.failure
            }
        }
    }

    /// `--by audience`: the membership ledger's lists; `--since` does not apply (sizes are now, counts since ever).
    private func printAudiences(_ state: String) throws {
        let counts: [MembershipCount]
        do {
            counts = try MembershipLedger.counts(directory: state)
        } catch {
            printError("\(state)/\(MembershipLedger.fileName): \(error)")
            throw ExitCode.failure
        }
        print(pad("CHANNEL", 16) + pad("AUDIENCE", 24) + pad("ADDS", 12) + pad("REMOVES", 12) + "SIZE")
        for count in counts {
            print(
                pad(label(count.channel), 16) + pad(label(count.list), 24) + pad(String(count.joins), 12)
                    + pad(String(count.leaves), 12) + String(count.size))
        }
    }

    /// One row per group; when bounces or complaints were seen, their rates over delivered messages follow (the
    /// figures Gmail and Yahoo hold bulk senders to: complaints under 0.3%).
    private func printTable(_ rows: [StatsRow], heading: String) {
        let seen = Set(rows.flatMap(\.counts.keys))
        let columns = Self.leadingEvents + seen.subtracting(Self.leadingEvents).sorted()
        let rates = ["bounced", "complained"].filter(seen.contains)
        print(pad(heading.uppercased(), 24) + columns.map { pad($0, 12) }.joined() + rates.map { pad($0 + "_rate", 16) }.joined())
        for row in rows {
            let delivered = row.counts["delivered"] ?? 0
            let shares = rates.map { event -> String in
                guard delivered > 0 else { return pad("-", 16) }
                return pad(String(format: "%.2f%%", 100 * Double(row.counts[event] ?? 0) / Double(delivered)), 16)
            }
            print(pad(label(row.group), 24) + columns.map { pad(String(row.counts[$0] ?? 0), 12) }.joined() + shares.joined())
        }
    }

    /// `--by event`: one row per event, leading events first.
    private func printEventTotals(_ rows: [StatsRow]) {
        let totals = Dictionary(rows.map { ($0.group, $0.counts.values.reduce(0, +)) }, uniquingKeysWith: +)
        let events = Self.leadingEvents + Set(totals.keys).subtracting(Self.leadingEvents).sorted()
        print(pad("EVENT", 24) + "COUNT")
        for event in events { print(pad(event, 24) + String(totals[event] ?? 0)) }
    }

    private func printLatency(_ summaries: [LatencySummary]) {
        print("")
        print(pad("CHANNEL", 24) + pad("DELIVERED", 12) + pad("P50", 12) + pad("P90", 12) + "P99")
        for summary in summaries {
            print(
                pad(label(summary.channel), 24) + pad(String(summary.count), 12) + pad(milliseconds(summary.p50), 12)
                    + pad(milliseconds(summary.p90), 12) + milliseconds(summary.p99))
        }
    }

    /// Events without a campaign, stage or channel count under "-".
    private func label(_ group: String) -> String {
        group.isEmpty ? "-" : group.replacingOccurrences(of: " ", with: "_")
    }

    private func milliseconds(_ value: Double) -> String {
        if value >= 1000 { return String(format: "%.2fs", value / 1000) }
        return value >= 10 ? String(format: "%.0fms", value) : String(format: "%.1fms", value)
    }
}
