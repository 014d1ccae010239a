import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// The ledger's counters, percentiles, windows, pruning and outbox, over synthetic batches with known answers.
final class EventLedgerTests: XCTestCase {
    var directory = ""
    let hour = EventTally.hourMillis
    /// 2026-11-23T10:00:00Z
    let base: Int64 = 1_795_428_000_000

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-ledger-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func event(
        _ kind: LogEvent.Kind, at ts: Int64, channel: String? = "email", campaign: String? = "spring",
        stage: String? = "retention", latency: Int64? = nil, id: String = "m"
    ) -> LogEvent {
        LogEvent(ts: ts, id: id, event: kind, channel: channel, campaign: campaign, stage: stage, latencyMs: latency)
    }

    func testCountersByEveryGrouping() throws {
        let ledger = try EventLedger(directory: directory, callbacks: false)
        try ledger.record(
            [
                event(.accepted, at: base), event(.accepted, at: base + 1), event(.delivered, at: base + 2),
                event(.failed, at: base + 3, channel: "push", campaign: "autumn", stage: nil),
                event(.rejected, at: base + 4, channel: nil, campaign: nil, stage: nil),
            ], now: base)
        try ledger.record([event(.delivered, at: base + 5, campaign: "autumn")], now: base)

        let byCampaign = try ledger.counts(since: 0, by: .campaign)
        XCTAssertEqual(
            byCampaign,
            [
                StatsRow(group: "", counts: ["rejected": 1]),
                StatsRow(group: "autumn", counts: ["failed": 1, "delivered": 1]),
                StatsRow(group: "spring", counts: ["accepted": 2, "delivered": 1]),
            ])
        XCTAssertEqual(
            try ledger.counts(since: 0, by: .channel).map(\.group), ["", "email", "push"])
        XCTAssertEqual(
            try ledger.counts(since: 0, by: .stage),
            [
                StatsRow(group: "", counts: ["failed": 1, "rejected": 1]),
                StatsRow(group: "retention", counts: ["accepted": 2, "delivered": 2]),
            ])
        XCTAssertEqual(
            try ledger.counts(since: 0, by: .event),
            [
                StatsRow(group: "accepted", counts: ["accepted": 2]),
                StatsRow(group: "delivered", counts: ["delivered": 2]),
                StatsRow(group: "failed", counts: ["failed": 1]), StatsRow(group: "rejected", counts: ["rejected": 1]),
            ])
    }

    func testSinceCountsFromTheStartOfItsHour() throws {
        let ledger = try EventLedger(directory: directory, callbacks: false)
        try ledger.record(
            [
                event(.delivered, at: base - 2 * hour + 10), event(.delivered, at: base - hour + 10),
                event(.delivered, at: base + 10), event(.delivered, at: base + 20),
            ], now: base)
        let total = { (since: Int64) in try ledger.counts(since: since, by: .event).first?.counts["delivered"] }
        XCTAssertEqual(try total(0), 4)
        XCTAssertEqual(try total(base - hour + hour / 2), 3, "the partial hour counts whole")
        XCTAssertEqual(try total(base), 2)
        XCTAssertNil(try total(base + hour))
    }

    func testLatencyPercentilesOfAKnownDistribution() throws {
        let ledger = try EventLedger(directory: directory, callbacks: false)
        // email: 1…100 ms once each; push: 1,000 ms ninety times and 10,000 ms ten times. Failed events carry no
        // latency into the histogram even when they have one.
        var events = (1...100).map { event(.delivered, at: base, latency: Int64($0)) }
        events += (0..<90).map { _ in event(.delivered, at: base, channel: "push", latency: 1000) }
        events += (0..<10).map { _ in event(.delivered, at: base, channel: "push", latency: 10_000) }
        events.append(event(.failed, at: base, latency: 60_000))
        try ledger.record(events, now: base)

        let summaries = try ledger.latencyPercentiles(since: 0)
        XCTAssertEqual(summaries.map(\.channel), ["email", "push"])
        XCTAssertEqual(summaries.map(\.count), [100, 100])
        let email = summaries[0]
        // A percentile is known to within its bucket (12 % wide).
        XCTAssertEqual(email.p50, 50, accuracy: 50 * 0.13)
        XCTAssertEqual(email.p90, 90, accuracy: 90 * 0.13)
        XCTAssertEqual(email.p99, 99, accuracy: 99 * 0.13)
        let push = summaries[1]
        XCTAssertEqual(push.p50, 1000, accuracy: 1000 * 0.13)
        XCTAssertEqual(push.p90, 1000, accuracy: 1000 * 0.13)
        XCTAssertEqual(push.p99, 10_000, accuracy: 10_000 * 0.13)
        XCTAssertEqual(try ledger.latencyPercentiles(since: 0, channel: "push"), [push])
        XCTAssertEqual(try ledger.latencyPercentiles(since: base + hour), [])
    }

    func testHistogramBucketsAndPercentiles() {
        XCTAssertEqual(LatencyHistogram.bucket(milliseconds: 0), 0)
        XCTAssertEqual(LatencyHistogram.bucket(milliseconds: 1), 0)
        XCTAssertEqual(LatencyHistogram.bucket(milliseconds: 10), 20)
        XCTAssertEqual(LatencyHistogram.bucket(milliseconds: 11), 21)
        XCTAssertEqual(LatencyHistogram.bucket(milliseconds: 60_000), 96)
        XCTAssertEqual(LatencyHistogram.bucket(milliseconds: 3_600_000), LatencyHistogram.overflow)
        var histogram = LatencyHistogram()
        XCTAssertNil(histogram.percentile(0.5))
        histogram.add(milliseconds: 10, count: 4)
        // All four in (8.91, 10]: the median interpolates to the middle of the bucket, p100 to its top.
        XCTAssertEqual(histogram.percentile(1) ?? 0, 10, accuracy: 1e-9)
        XCTAssertEqual(histogram.percentile(0.5) ?? 0, (10 + LatencyHistogram.bounds[19]) / 2, accuracy: 1e-9)
        histogram.add(milliseconds: 7_200_000)
        XCTAssertEqual(histogram.percentile(1) ?? 0, LatencyHistogram.bounds[96], accuracy: 1e-9)
    }

    func testPrunesRowsOlderThanRetainOnTheFirstBatchOfAnHour() throws {
        let ledger = try EventLedger(directory: directory, callbacks: false, retain: .seconds(90 * 86_400))
        let day = 24 * hour
        try ledger.record(
            [event(.delivered, at: base - 100 * day, latency: 5), event(.delivered, at: base - 80 * day, latency: 5)],
            now: base - 80 * day)
        let delivered = {
            try ledger.counts(since: 0, by: .event).first { $0.group == "delivered" }?.counts["delivered"]
        }
        XCTAssertEqual(try delivered(), 2)
        try ledger.record([event(.accepted, at: base)], now: base)
        XCTAssertEqual(try delivered(), 1, "100 days old: gone")
        XCTAssertEqual(try ledger.latencyPercentiles(since: 0).first?.count, 1)
    }

    func testStatsAreKeptForFourHundredDaysByDefault() throws {
        let ledger = try EventLedger(directory: directory, callbacks: false)
        let day = 24 * hour
        try ledger.record(
            [event(.delivered, at: base - 399 * day), event(.delivered, at: base - 401 * day)], now: base)
        let delivered = try ledger.counts(since: 0, by: .event).first { $0.group == "delivered" }?.counts["delivered"]
        XCTAssertEqual(delivered, 1, "399 days old: kept; 401 days old: gone")
    }

    func testStatsRetainFromTheConfig() throws {
        let config = try ConfigLoader.parse(
            text: "[stats]\nretain = \"2d\"\n[[channel]]\nname = \"email\"\nplugin = \"file\"\n", file: "/tmp/h.toml")
        let ledger = try EventLedger(directory: directory, callbacks: false, retain: config.retention.statsRetain)
        let day = 24 * hour
        try ledger.record([event(.failed, at: base - 3 * day), event(.failed, at: base - day)], now: base)
        let failed = try ledger.counts(since: 0, by: .event).first { $0.group == "failed" }?.counts["failed"]
        XCTAssertEqual(failed, 1, "3 days old: gone with retain = 2d")
    }

    func testOutboxKeepsLogLinesInOrderUntilAcknowledged() throws {
        let ledger = try EventLedger(directory: directory, callbacks: true)
        let events = (0..<5).map { event(.delivered, at: base + Int64($0), latency: 12, id: "m\($0)") }
        try ledger.record(Array(events[0..<3]), now: base)
        try ledger.record(Array(events[3...]), now: base)
        let first = try ledger.pending(limit: 2)
        XCTAssertEqual(first.map(\.seq), [1, 2])
        var line = JSONWriter()
        events[0].write(into: &line)
        XCTAssertEqual(first[0].json + [UInt8(ascii: "\n")], line.bytes, "exactly the delivery-log object")
        XCTAssertEqual(first[0].event, "delivered")
        XCTAssertEqual(try ledger.pending(limit: 4).map(\.seq), [1, 2], "the same window until acknowledged")
        let reopened = try EventLedger(directory: directory, callbacks: true)
        XCTAssertEqual(try reopened.pending(limit: 4).map(\.seq), [1, 2], "and after a restart")
        try reopened.acknowledge(through: 2)
        XCTAssertEqual(try reopened.pending(limit: 10).map(\.seq), [3, 4, 5])
        try reopened.acknowledge(through: 5)
        XCTAssertEqual(try reopened.pending(limit: 10), [])
        try reopened.record([events[0]], now: base)
        XCTAssertEqual(try reopened.pending(limit: 10).map(\.seq), [6], "sequence numbers are never reused")
    }

    func testOutboxOffAndOutboxLimit() throws {
        let quiet = try EventLedger(directory: directory + "/off", callbacks: false)
        try quiet.record([event(.delivered, at: base)], now: base)
        XCTAssertEqual(try quiet.pending(limit: 10), [])
        let bounded = try EventLedger(directory: directory + "/on", callbacks: true, outboxLimit: 3)
        try bounded.record((0..<5).map { event(.accepted, at: base + Int64($0)) }, now: base)
        XCTAssertEqual(try bounded.pending(limit: 10).map(\.seq), [3, 4, 5], "the oldest are dropped")
        XCTAssertEqual(bounded.takeDroppedCount(), 2)
        XCTAssertEqual(bounded.takeDroppedCount(), 0)
        let filtered = try EventLedger(directory: directory + "/some", callbacks: true, callbackEvents: ["failed"])
        try filtered.record([event(.accepted, at: base), event(.failed, at: base), event(.delivered, at: base)])
        XCTAssertEqual(try filtered.pending(limit: 10).map(\.event), ["failed"], "only the kinds sent take a row")
        XCTAssertEqual(try filtered.counts(since: 0, by: .event).count, 3, "all are counted")
    }

    func testReadOnlyQueryAndMissingLedger() throws {
        XCTAssertThrowsError(try StatsQuery(directory: directory)) { error in
            XCTAssertEqual((error as? EventLedgerError)?.code, "ledger_missing")
        }
        do {
            let ledger = try EventLedger(directory: directory, callbacks: false)
            try ledger.record([event(.delivered, at: base, latency: 3)], now: base)
        }
        let query = try StatsQuery(directory: directory)
        XCTAssertEqual(try query.counts(since: 0, by: .channel), [StatsRow(group: "email", counts: ["delivered": 1])])
        XCTAssertEqual(try query.latencyPercentiles(since: 0).map(\.count), [1])
    }
}
