import Foundation
import GRDB
import HeraldPluginAPI
import Logging
import XCTest

@testable import HeraldCore

/// The recorder over a real queue, log and `failed/` directory: one commit per batch, the dead letter on disk
/// before its row says `failed`, and a batch that cannot be committed kept whole and committed on the next try.
final class RecorderTests: XCTestCase {
    private let report = OutcomeReport(channel: "fake", plugin: "fake", mask: RecipientMask(full: false))

    private func harness() throws -> DispatchHarness {
        let harness = try DispatchHarness()
        addTeardownBlock { harness.removeFiles() }
        return harness
    }

    /// Claims `ids` (as a lane would) and decides each with the matching decision.
    private func results(_ h: DispatchHarness, _ decisions: [(String, OutcomeDecision)]) throws -> [Recorder.Result] {
        for (id, _) in decisions { try h.enqueue(id) }
        let rows = Dictionary(uniqueKeysWithValues: try h.store.claim(channel: "fake", limit: 10, now: h.clock.now).map { ($0.id, $0) })
        return try decisions.map { id, decision in
            let row = try XCTUnwrap(rows[id])
            let outcome: Outcome = decision == .delivered ? .ok : .unavailable
            return report.result(row: row, message: nil, outcome: outcome, decision: decision, now: h.clock.now, latencyMs: nil)
        }
    }

    private func recorder(_ h: DispatchHarness, failed: String? = nil, logger: Logger = Logger(label: "test"),
                          flushes: Collected<Int> = Collected()) -> Recorder {
        Recorder(
            store: h.store, log: h.log, failedDirectory: failed ?? h.layout.failed, logger: logger, time: h.clock.source,
            afterFlush: { flushes.append([1]) })
    }

    func testOutcomesSubmittedApartAreCommittedInOneFlush() throws {
        let h = try harness()
        let flushes = Collected<Int>()
        let recorder = recorder(h, flushes: flushes)
        let batch = try results(h, [("m1", .delivered), ("m2", .retry(at: h.clock.now + 1_000)), ("m3", .fail(reason: "permanent: 550"))])
        recorder.submit([batch[0]])
        recorder.submit(Array(batch[1...]))
        XCTAssertEqual(try h.row("m1")?.state, .inflight, "nothing is written before the flush")
        XCTAssertTrue(recorder.flush())
        XCTAssertEqual(flushes.all.count, 1, "one commit for both submissions")
        XCTAssertEqual(try h.row("m1")?.state, .delivered)
        XCTAssertEqual(try h.row("m2"), .init(state: .deferred, attempts: 1, dueAt: h.clock.now + 1_000))
        XCTAssertEqual(try h.row("m3")?.state, .failed)
        XCTAssertEqual(h.logged.map(\.event), [.delivered, .deferred, .failed])
        XCTAssertTrue(recorder.flush(), "an empty flush succeeds")
        XCTAssertEqual(h.logged.count, 3, "and writes nothing again")
    }

    func testTheDeadLetterIsWrittenBeforeTheRowChanges() throws {
        let h = try harness()
        let failed = h.root + "/not-yet/failed"
        let recorder = recorder(h, failed: failed)
        recorder.submit(try results(h, [("m1", .fail(reason: "permanent: 550 no such user")), ("m2", .delivered)]))
        XCTAssertFalse(recorder.flush(), "the dead letter cannot be written")
        XCTAssertEqual(try h.row("m1")?.state, .inflight, "so the row does not say failed")
        XCTAssertEqual(try h.row("m2")?.state, .inflight, "and the rest of its batch waits with it")
        XCTAssertEqual(h.logged, [])

        try FileManager.default.createDirectory(atPath: failed, withIntermediateDirectories: true)
        XCTAssertTrue(recorder.flush(), "the kept batch goes on the next try")
        XCTAssertEqual(try h.row("m1")?.state, .failed)
        XCTAssertEqual(try h.row("m2")?.state, .delivered)
        let letter = try String(contentsOfFile: failed + "/m1.json", encoding: .utf8)
        XCTAssertTrue(letter.contains(#""failed_at":"\#(Timestamp.format(h.clock.now))""#), letter)
        XCTAssertTrue(letter.contains(#""reason":"permanent: 550 no such user""#), letter)
        XCTAssertTrue(letter.contains(#""message":{"id":"m1""#), "the original message: \(letter)")
        XCTAssertEqual(h.logged.map(\.event), [.failed, .delivered])
    }

    func testACommitThatFailsKeepsTheBatchAndTheLoopRetries() async throws {
        let h = try harness()
        let messages = Collected<String>()
        let recorder = recorder(h, logger: CapturingLogHandler.logger(into: messages))
        let batch = try results(h, [("m1", .delivered), ("m2", .retry(at: h.clock.now + 1_000))])
        // Another connection takes the table away: the recorder's commit fails as on a full disk.
        let other = try DatabaseQueue(path: h.store.path)
        try await other.write { try $0.execute(sql: "ALTER TABLE message RENAME TO message_away") }
        let done = StopFlag()
        let loop = Task { await recorder.run(isDone: { done.isSet }) }
        recorder.submit(batch)
        try await h.waitUntil("the commit fails") { messages.all.contains { $0.hasPrefix("cannot record 2 outcomes") } }
        XCTAssertEqual(h.logged, [], "no log line for an outcome not committed")
        try await other.write { try $0.execute(sql: "ALTER TABLE message_away RENAME TO message") }
        // Nothing is submitted again: the loop retries the batch it kept.
        try await h.waitUntil("the retry commits") { try h.row("m1")?.state == .delivered }
        XCTAssertEqual(try h.row("m2")?.state, .deferred)
        done.set()
        recorder.wake()
        await loop.value
        XCTAssertEqual(h.logged.map(\.event), [.delivered, .deferred], "each line once, after the commit")
    }
}
