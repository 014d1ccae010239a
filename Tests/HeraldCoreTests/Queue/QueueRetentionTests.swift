import Foundation
import GRDB
import HeraldPluginAPI
import Logging
import XCTest

@testable import HeraldCore

/// The prune of `queue.sqlite` (QueueStore+Retention, RetentionService): which rows go, what duplicates mean
/// inside and after `dedup_window`, and that the freed pages leave the file.
final class QueueRetentionTests: XCTestCase {
    var directory = ""
    let decoder = MessageDecoder(channels: ["email"])
    let second: Int64 = 1000

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-retention-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func new(_ id: String, at: Int64, notBefore: String? = nil, padding: Int = 0) throws -> NewMessage {
        var json = #"{"id":"\#(id)","channel":"email","to":{"email":"a@b.example"},"content":{"text":"\#(String(repeating: "x", count: padding))"}"#
        if let notBefore { json += #","not_before":"\#(notBefore)""# }
        json += "}"
        let bytes = Array(json.utf8)
        return NewMessage(message: try decoder.decode(bytes, fileName: id + ".json"), body: bytes, receivedAt: at)
    }

    private func finish(_ store: QueueStore, _ ids: [String], as state: MessageState, at now: Int64) throws {
        try store.apply(ids.map { StateUpdate(id: $0, state: state, dueAt: now, attempts: 1, code: "x") }, now: now)
    }

    private func ids(_ store: QueueStore) throws -> [String] {
        try store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM message ORDER BY id") }
    }

    private func service(_ store: QueueStore, window: Duration) -> RetentionService {
        var settings = RetentionService.Settings(window: window)
        settings.batch = 3
        settings.pause = .zero
        return RetentionService(store: store, settings: settings, logger: Logger(label: "test"))
    }

    func testOldFinishedRowsGoPendingAndRecentStay() async throws {
        let store = try QueueStore(directory: directory)
        let finished: [(String, MessageState)] = [
            ("delivered", .delivered), ("expired", .expired), ("failed", .failed), ("suppressed", .suppressed),
            ("capped", .capped),
        ]
        _ = try store.insert([try new("inflight", at: 1000)])
        XCTAssertEqual(try store.claim(channel: "email", limit: 1, now: 1000).map(\.id), ["inflight"])
        _ = try store.insert(finished.map { try new($0.0, at: 1000) })
        _ = try store.insert([try new("queued", at: 1000), try new("recent", at: 1000)])
        _ = try store.insert([try new("deferred", at: 1000, notBefore: "2030-01-01T00:00:00Z")])
        for (id, state) in finished { try finish(store, [id], as: state, at: 2000) }
        try finish(store, ["recent"], as: .delivered, at: 2000 + 50 * second)
        // Every pending row was last changed at 1000 ms, far past the window: only finished ones may go.
        let report = await service(store, window: .seconds(30)).pass(now: 2000 + 60 * second)
        XCTAssertEqual(report.deleted, 5, "in batches of 3: the loop goes on until a short batch")
        XCTAssertEqual(try ids(store), ["deferred", "inflight", "queued", "recent"])
        XCTAssertEqual(try store.row(id: "inflight")?.state, .inflight)
    }

    func testDuplicateInsideTheWindowAndNewAfterIt() async throws {
        let store = try QueueStore(directory: directory)
        let start: Int64 = 1_000_000
        XCTAssertEqual(try store.insert([try new("x", at: start)]), [true])
        try finish(store, ["x"], as: .delivered, at: start)
        let retention = service(store, window: .seconds(30))
        _ = await retention.pass(now: start + 29 * second)
        XCTAssertEqual(try store.insert([try new("x", at: start + 29 * second)]), [false], "inside the window: duplicate")
        _ = await retention.pass(now: start + 31 * second)
        XCTAssertEqual(try store.insert([try new("x", at: start + 31 * second)]), [true], "after it: a new message")
        XCTAssertEqual(try store.row(id: "x")?.state, .queued)
    }

    func testExpiredMessagesDropTheirBodyFailedKeepIt() throws {
        let store = try QueueStore(directory: directory)
        _ = try store.insert([try new("e", at: 1000), try new("f", at: 1000)])
        try finish(store, ["e"], as: .expired, at: 2000)
        try finish(store, ["f"], as: .failed, at: 2000)
        let bodies = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, body IS NULL AS gone FROM message ORDER BY id").map {
                "\($0["id"] as String):\($0["gone"] as Bool)"
            }
        }
        XCTAssertEqual(bodies, ["e:true", "f:false"], "a failed body stays for herald requeue")
        XCTAssertEqual(try store.requeue(ids: ["f"], now: 3000), ["f"])
    }

    func testPruneSeeksTheDueIndexAndWritesNoIndexOfItsOwn() throws {
        let store = try QueueStore(directory: directory)
        let (plan, indexes) = try store.pool.read { db in
            let plan = try Row.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT rowid FROM message
                    WHERE channel = 'email' AND \(QueueStore.finishedStates) AND due_at < 5 LIMIT 3
                    """
            ).map { $0["detail"] as String }
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'")
            return (plan, indexes)
        }
        XCTAssertTrue(plan.contains { $0.contains("message_due") && $0.contains("due_at<?") }, "\(plan)")
        XCTAssertFalse(indexes.contains("message_finished"), "every outcome would maintain it: \(indexes)")
    }

    func testAFinishedRowEndsAtItsOutcomeWhateverTheUpdateSays() throws {
        let store = try QueueStore(directory: directory)
        _ = try store.insert([try new("d", at: 1000)])
        // A caller passing a stale due time must not make the row look finished for longer than it has been.
        try store.apply([StateUpdate(id: "d", state: .delivered, dueAt: 0, attempts: 1, code: "250")], now: 90_000)
        XCTAssertEqual(try store.pruneFinished(before: 60_000, limit: 10), 0)
        XCTAssertEqual(try store.pruneFinished(before: 90_001, limit: 10), 1)
    }

    func testEveryChannelIsPrunedWithinOneLimit() throws {
        let store = try QueueStore(directory: directory)
        let decoder = MessageDecoder(channels: ["email", "gone", "sms"])
        let messages = try ["email", "gone", "sms"].flatMap { channel in
            try (0..<3).map { index -> NewMessage in
                let bytes = Array(#"{"id":"\#(channel)-\#(index)","channel":"\#(channel)","to":{"email":"a@b.example"},"content":{"text":"x"}}"#.utf8)
                return NewMessage(message: try decoder.decode(bytes, fileName: "m.json"), body: bytes, receivedAt: 1000)
            }
        }
        _ = try store.insert(messages)
        try finish(store, messages.map(\.message.id), as: .delivered, at: 2000)
        XCTAssertEqual(try store.pruneFinished(before: 3000, limit: 4), 4, "the limit spans channels")
        XCTAssertEqual(try store.pruneFinished(before: 3000, limit: 100), 5, "a channel no config names goes too")
        XCTAssertEqual(try ids(store), [])
    }

    func testSpaceIsGivenBack() async throws {
        let store = try QueueStore(directory: directory)
        XCTAssertEqual(try store.autoVacuumMode(), 2, "a new queue is created with incremental auto-vacuum")
        for chunk in 0..<10 {
            _ = try store.insert((0..<200).map { try new("m\(chunk)-\($0)", at: 1000, padding: 2000) })
        }
        let full = try store.pageCounts()
        XCTAssertGreaterThan(full.pages, 1000)
        try await store.pool.write { db in try db.execute(sql: "UPDATE message SET state = 'failed', updated_at = 2000") }
        var settings = RetentionService.Settings(window: .seconds(30))
        settings.pause = .zero
        let report = await RetentionService(store: store, settings: settings, logger: Logger(label: "test"))
            .pass(now: 2000 + 60 * second)
        XCTAssertEqual(report.deleted, 2000)
        let after = try store.pageCounts()
        XCTAssertEqual(after.free, 0, "free pages left the file")
        XCTAssertLessThan(after.pages, full.pages / 10, "\(full) → \(after)")
    }

    func testAnOlderDatabaseIsConvertedOnce() throws {
        let store = try QueueStore(directory: directory)
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA auto_vacuum = NONE")
            try db.execute(sql: "VACUUM")
        }
        XCTAssertEqual(try store.autoVacuumMode(), 0)
        XCTAssertEqual(try QueueStore(directory: directory).autoVacuumMode(), 0, "opening does not rewrite the file")
        XCTAssertTrue(try store.convertToIncrementalVacuum())
        XCTAssertEqual(try store.autoVacuumMode(), 2)
        XCTAssertFalse(try store.convertToIncrementalVacuum(), "once")
    }
}
