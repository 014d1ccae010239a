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

    /// A message that passed the cap and was delivered at `at`.
    private func deliver(_ history: SendHistory, _ identity: String, on channel: String, at: Int64) {
        let id = UUID().uuidString
        history.reserve([(id: id, identity: identity, channel: channel, at: at)])
        history.settle([(id: id, identity: identity, delivered: true)], now: at)
    }

    func testReservationsCountUntilSettledThenOnlyDeliveredOnesStay() throws {
        let store = try SuppressionStore(directory: directory())
        let history = SendHistory(store: store, window: 60_000, now: 0)
        history.reserve([
            (id: "m-1", identity: "u-1", channel: "email", at: 100), (id: "m-2", identity: "u-1", channel: "push", at: 100),
            (id: "m-3", identity: "u-2", channel: "email", at: 100),
        ])
        XCTAssertEqual(try history.sends(identities: ["u-1", "u-2"], now: 200)["u-1"]?.count, 2, "in flight counts")
        XCTAssertFalse(history.hasWaiting, "a reservation is not a send yet")
        history.settle(
            [(id: "m-1", identity: "u-1", delivered: true), (id: "m-2", identity: "u-1", delivered: false),
             (id: "m-3", identity: "u-2", delivered: false), (id: "unknown", identity: "u-3", delivered: true)], now: 300)
        let sends = try history.sends(identities: ["u-1", "u-2", "u-3"], now: 400)
        XCTAssertEqual(sends["u-1"]?.map(\.channel), ["email"])
        XCTAssertEqual(sends["u-1"]?.map(\.at), [300], "a delivered message counts from its outcome")
        XCTAssertTrue(sends["u-2"]?.isEmpty ?? true, "a failed message frees its place")
        XCTAssertNil(sends["u-3"], "only reserved messages become sends")
        try history.write(now: 300, force: true)
        XCTAssertEqual(try store.sent(identities: ["u-1", "u-2"], since: 0).values.map(\.count), [1])
    }

    func testSendsCountFromMemoryUntilWrittenThenFromTheStore() throws {
        let directory = directory()
        let store = try SuppressionStore(directory: directory)
        let history = SendHistory(store: store, window: 60_000, now: 1_000)
        deliver(history, "u-1", on: "email", at: 1_000)
        deliver(history, "u-1", on: "push", at: 1_100)
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
        deliver(history, "u-1", on: "email", at: 0)
        deliver(history, "u-1", on: "email", at: 8_000)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 12_000)["u-1"]?.map(\.at), [8_000])
        try history.write(now: 8_000, force: true)
        XCTAssertFalse(history.hasWaiting)
        XCTAssertEqual(try history.sends(identities: ["u-1"], now: 12_000)["u-1"]?.map(\.at), [8_000])
    }

    func testAClockSteppedBackDoesNotHoldSendsInMemory() throws {
        let store = try SuppressionStore(directory: directory())
        let history = SendHistory(store: store, window: 60_000, now: 10_000)
        deliver(history, "u-1", on: "email", at: 10_000)
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
        deliver(history, "u-1", on: "email", at: 0)
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
