import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class QueueStoreTests: XCTestCase {
    var directory = ""
    let decoder = MessageDecoder(channels: ["email", "push"])

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-queue-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func new(_ id: String, channel: String = "email", priority: String = "normal", notBefore: String? = nil,
                     at: Int64 = 1000) throws -> NewMessage {
        var json = #"{"id":"\#(id)","channel":"\#(channel)","to":{"email":"a@b.example"},"content":{"text":"x"},"priority":"\#(priority)""#
        if let notBefore { json += #","not_before":"\#(notBefore)""# }
        json += "}"
        let bytes = Array(json.utf8)
        return NewMessage(message: try decoder.decode(bytes, fileName: id + ".json"), body: bytes, receivedAt: at)
    }

    func testInsertReportsDuplicates() throws {
        let store = try QueueStore(directory: directory)
        XCTAssertEqual(try store.insert([try new("a"), try new("b"), try new("a")]), [true, true, false])
        XCTAssertEqual(try store.insert([try new("b")]), [false])
    }

    func testClaimByPriorityThenAgeAndDeferral() throws {
        let store = try QueueStore(directory: directory)
        _ = try store.insert([
            try new("old", at: 1000), try new("new", at: 2000), try new("vip", priority: "high", at: 3000),
            try new("low", priority: "low", at: 500), try new("other", channel: "push", at: 100),
            try new("later", notBefore: "2030-01-01T00:00:00Z", at: 100),
        ])
        let claimed = try store.claim(channel: "email", limit: 10, now: 5000).map(\.id)
        XCTAssertEqual(claimed, ["vip", "old", "new", "low"])
        XCTAssertEqual(try store.claim(channel: "email", limit: 10, now: 5000).count, 0, "claimed rows are in flight")
        XCTAssertEqual(try store.nextDue(channel: "email"), Timestamp.parse("2030-01-01T00:00:00Z"))
        XCTAssertEqual(try store.claim(channel: "email", limit: 10, now: Timestamp.parse("2030-01-01T00:00:00Z")!).map(\.id), ["later"])
    }

    func testOutcomesAndCrashRecovery() throws {
        let store = try QueueStore(directory: directory)
        _ = try store.insert([try new("a"), try new("b"), try new("c")])
        _ = try store.claim(channel: "email", limit: 3, now: 2000)
        try store.apply(
            [
                StateUpdate(id: "a", state: .delivered, dueAt: 2000, attempts: 1, code: "200"),
                StateUpdate(id: "b", state: .failed, dueAt: 2000, attempts: 1, code: "400", historyEntry: #"{"attempt":1}"#),
            ], now: 2100)
        // "c" is still in flight when the process dies.
        let reopened = try QueueStore(directory: directory)
        XCTAssertEqual(try reopened.recoverInFlight(now: 3000), 1)
        XCTAssertEqual(try reopened.claim(channel: "email", limit: 5, now: 3000).map(\.id), ["c"])
        XCTAssertEqual(try reopened.row(id: "b")?.state, .failed)
        XCTAssertEqual(try reopened.row(id: "b")?.history, "{\"attempt\":1}\n")
        XCTAssertEqual(try reopened.requeue(ids: ["a", "b"], now: 4000), ["b"], "only failed messages are requeued")
        XCTAssertEqual(try reopened.row(id: "b")?.attempts, 0)
        let counts = try reopened.counts()
        XCTAssertEqual(counts.first { $0.state == .delivered }?.count, 1)
        XCTAssertEqual(counts.first { $0.state == .queued }?.count, 1)
    }
}
