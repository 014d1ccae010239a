import Foundation
import GRDB
import XCTest

@testable import HeraldCore

final class SendHistoryTests: XCTestCase {
    private func directory() -> String {
        let directory = NSTemporaryDirectory() + "herald-sends-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }

    /// "1 per minute" on every channel.
    private static let onePerMinute = FrequencyCap(rules: [.init(max: 1, per: .seconds(60))])

    private func admit(
        _ history: SendHistory, _ candidates: [(id: String, identity: String)], on channel: String = "email", at now: Int64,
        cap: FrequencyCap = onePerMinute
    ) throws -> [CapAdmission] {
        try history.admit(candidates, channel: channel, now: now) { sent in
            switch cap.check(channel: channel, sentAt: sent, now: now) {
            case .pass: .pass
            case .capped(let rule, let freeAt): .capped(rule: cap.rules[rule].description, freeAt: freeAt)
            }
        }
    }

    /// A message that passed the cap and was delivered at `at`.
    private func deliver(_ history: SendHistory, _ identity: String, on channel: String, at: Int64) throws {
        let id = UUID().uuidString
        _ = try admit(history, [(id, identity)], on: channel, at: at, cap: FrequencyCap(rules: [.init(max: 1_000, per: .seconds(3_600))]))
        history.settle([(id: id, identity: identity, channel: channel, delivered: true)], now: at)
    }

    func testAMessageCountsFromItsCheckAndOnlyDeliveredOnesStay() throws {
        let store = try SuppressionStore(directory: directory())
        let history = SendHistory(store: store, window: 60_000, now: 0)
        XCTAssertEqual(
            try admit(history, [("m-1", "u-1"), ("m-2", "u-1"), ("m-3", "u-2")], at: 100),
            [.pass, .waitForInFlight(rule: "1 per 1m"), .pass],
            "the batch's first message to u-1 counts for its second at once; over the cap only while it is in flight")
        XCTAssertEqual(
            try admit(history, [("m-4", "u-1")], on: "push", at: 150), [.waitForInFlight(rule: "1 per 1m")],
            "another channel's batch sees the message in flight")
        XCTAssertFalse(history.hasWaiting, "a reservation is not a send yet")
        history.settle(
            [(id: "m-1", identity: "u-1", channel: "email", delivered: true),
             (id: "m-3", identity: "u-2", channel: "email", delivered: false)], now: 300)
        XCTAssertEqual(try admit(history, [("m-5", "u-1")], at: 400), [.capped(rule: "1 per 1m", freeAt: 60_300)])
        XCTAssertEqual(try admit(history, [("m-6", "u-2")], at: 400), [.pass], "a failed message frees its place")
        let sends = try history.sends(identities: ["u-1", "u-2"], now: 400)
        XCTAssertEqual(sends["u-1"]?.map(\.at), [300], "a delivered message counts from its outcome")
        XCTAssertEqual(sends["u-2"]?.map(\.at), [400], "m-6 is in flight")
        try history.write(now: 300, force: true)
        XCTAssertEqual(try store.sent(identities: ["u-1", "u-2"], since: 0).mapValues(\.count), ["u-1": 1])
    }

    func testAnIdentityReadOnceStaysExactAcrossWrites() throws {
        let directory = directory()
        let store = try SuppressionStore(directory: directory)
        let history = SendHistory(store: store, window: 60_000, now: 0)
        try deliver(history, "u-1", on: "email", at: 0)
        try history.write(now: 0, force: true)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 10)["u-1"]?.count, 1, "read from the store and kept")
        try deliver(history, "u-1", on: "push", at: 20)
        try history.write(now: 20, force: true)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 30)["u-1"]?.map(\.channel).sorted(), ["email", "push"])
        let restarted = SendHistory(store: try SuppressionStore(directory: directory), window: 60_000, now: 40)
        XCTAssertEqual(try restarted.sends(identities: ["u-1"], now: 40)["u-1"]?.count, 2, "the store agrees")
    }

    func testADeliveredMessageWithoutAReservationStillCounts() throws {
        let history = SendHistory(store: try SuppressionStore(directory: directory()), window: 60_000, now: 0)
        history.settle([(id: "unknown", identity: "u-3", channel: "email", delivered: true)], now: 10)
        XCTAssertTrue(history.hasWaiting)
        XCTAssertEqual(try history.sends(identities: ["u-3"], now: 20)["u-3"]?.count, 1)
    }

    func testADeliveryThatOutlastsAFilterTurnStillCounts() throws {
        // Reserved just before the recent-senders filter turns over, delivered well after: the send must stay
        // visible for a whole window after its delivery.
        let history = SendHistory(store: try SuppressionStore(directory: directory()), window: 10_000, now: 0)
        XCTAssertEqual(try admit(history, [("m-1", "u-1")], at: 9_999), [.pass])
        history.settle([(id: "m-1", identity: "u-1", channel: "email", delivered: true)], now: 15_000)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 21_000)["u-1"]?.map(\.at), [15_000])
    }

    func testSendsCountFromMemoryUntilWrittenThenFromTheStore() throws {
        let directory = directory()
        let store = try SuppressionStore(directory: directory)
        let history = SendHistory(store: store, window: 60_000, now: 1_000)
        try deliver(history, "u-1", on: "email", at: 1_000)
        try deliver(history, "u-1", on: "push", at: 1_100)
        XCTAssertEqual(try history.sends(identities: ["u-1", "u-2"], now: 1_200)["u-1"]?.map(\.channel), ["email", "push"])
        XCTAssertNil(try history.sends(identities: ["u-2"], now: 1_200)["u-2"])
        XCTAssertTrue(history.hasWaiting)

        try history.write(now: 1_200)
        XCTAssertTrue(history.hasWaiting, "the oldest send has not waited writeDelay yet")
        XCTAssertTrue(try store.sent(identities: ["u-1"], since: 0).isEmpty)

        try history.write(now: 1_000 + SendHistory.writeDelay)
        XCTAssertFalse(history.hasWaiting)
        XCTAssertEqual(try store.sent(identities: ["u-1"], since: 0)["u-1"]?.count, 2)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 2_000)["u-1"]?.count, 2, "written sends are not counted twice")

        let restarted = SendHistory(store: try SuppressionStore(directory: directory), window: 60_000, now: 3_000)
        XCTAssertEqual(try restarted.sends(identities: ["u-1"], now: 3_000)["u-1"]?.count, 2, "a restart reads them back")
    }

    func testWindowLeavesOutOldSendsAndForceWritesAtOnce() throws {
        let store = try SuppressionStore(directory: directory())
        let history = SendHistory(store: store, window: 10_000, now: 0)
        try deliver(history, "u-1", on: "email", at: 0)
        try deliver(history, "u-1", on: "email", at: 8_000)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 12_000)["u-1"]?.map(\.at), [8_000])
        try history.write(now: 8_000, force: true)
        XCTAssertFalse(history.hasWaiting)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 12_000)["u-1"]?.map(\.at), [8_000])
    }

    func testAClockSteppedBackDoesNotHoldSendsInMemory() throws {
        let store = try SuppressionStore(directory: directory())
        let history = SendHistory(store: store, window: 60_000, now: 10_000)
        try deliver(history, "u-1", on: "email", at: 10_000)
        try history.write(now: 10_100)
        XCTAssertTrue(history.hasWaiting)
        try history.write(now: 4_000)
        XCTAssertFalse(history.hasWaiting, "a clock before the oldest send means the delay cannot be judged: write")
        XCTAssertEqual(try store.sent(identities: ["u-1"], since: 0)["u-1"]?.count, 1)
    }

    func testAFailedWriteKeepsTheSendsCountedAndRetries() throws {
        let directory = directory()
        let store = try SuppressionStore(directory: directory)
        let history = SendHistory(store: store, window: 60_000, now: 0)
        try deliver(history, "u-1", on: "email", at: 0)
        // Another connection moves the table away, so the write fails the way a broken database would.
        let other = try DatabaseQueue(path: directory + "/policy.sqlite")
        try other.write { try $0.execute(sql: "ALTER TABLE sent RENAME TO sent_away") }
        XCTAssertThrowsError(try history.write(now: 0, force: true))
        XCTAssertTrue(history.hasWaiting, "a failed write keeps the sends for the next try")
        try other.write { try $0.execute(sql: "ALTER TABLE sent_away RENAME TO sent") }
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 1)["u-1"]?.count, 1)
        try history.write(now: SendHistory.writeDelay - 1)
        XCTAssertTrue(history.hasWaiting, "after a failure the next try waits a whole delay")
        try history.write(now: SendHistory.writeDelay)
        XCTAssertFalse(history.hasWaiting)
        XCTAssertEqual(try store.sent(identities: ["u-1"], since: 0)["u-1"]?.count, 1, "written once, on the retry")
    }
}
