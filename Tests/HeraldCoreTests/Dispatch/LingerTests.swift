import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// `batch_linger`: the lane waits for a batch to fill (up to `batch`, beyond `concurrency`) or for the linger to
/// pass, keeping the rows in flight meanwhile; a stopping lane hands waiting rows back to the queue.
final class LingerTests: XCTestCase {
    private let t0 = FakeClock.start

    func testABatchWaitsToFillThenGoesWholeAndTheRestAfterTheLinger() async throws {
        let h = try DispatchHarness(channelKeys: "batch = 3\nbatch_linger = \"10s\"\n", maxBatch: 100)
        addTeardownBlock { h.removeFiles() }
        try h.enqueue("m1", "m2")
        try await h.running { dispatcher in
            try await h.waitUntil("m1 and m2 wait in flight") {
                try h.row("m1")?.state == .inflight && h.row("m2")?.state == .inflight
            }
            XCTAssertTrue(h.plugin.received.isEmpty, "two of three, and the linger has not passed")
            try h.enqueue("m3", "m4")
            dispatcher.wake()
            try await h.waitUntil("a full batch went") { !h.plugin.received.isEmpty }
            XCTAssertEqual(h.plugin.received.map { $0.deliveries.map(\.id) }, [["m1", "m2", "m3"]], "one call, beyond concurrency 1")
            try await h.waitUntil("m4 waits in flight") { try h.row("m4")?.state == .inflight }
            h.clock.advance(to: t0 + 10_000)
            dispatcher.wake()
            try await h.waitUntil("m4 went after the linger") { try h.row("m4")?.state == .delivered }
        }
        XCTAssertEqual(h.plugin.received.map { $0.deliveries.map(\.id) }, [["m1", "m2", "m3"], ["m4"]])
        XCTAssertEqual(h.plugin.received.last?.at, t0 + 10_000)
    }

    func testAStoppingLaneHandsWaitingRowsBack() async throws {
        let h = try DispatchHarness(channelKeys: "batch = 5\nbatch_linger = \"1h\"\n", maxBatch: 100)
        addTeardownBlock { h.removeFiles() }
        try h.enqueue("w1", "w2")
        try await h.running { _ in
            try await h.waitUntil("both wait in flight") { try h.row("w1")?.state == .inflight && h.row("w2")?.state == .inflight }
        }
        XCTAssertTrue(h.plugin.received.isEmpty)
        XCTAssertEqual(try h.row("w1"), .init(state: .deferred, attempts: 0, dueAt: t0), "back in the queue, due now, attempt unspent")
        XCTAssertEqual(try h.row("w2")?.state, .deferred)
    }

    func testACancelTakesOutTheOldestWaitingItemOfThatMember() {
        var buffer = LingerBuffer<String>(batch: 10, linger: 100)
        buffer.add("add-ana", key: "cart/add", member: "ana", now: 0)
        buffer.add("add-bo", key: "cart/add", member: "bo", now: 1)
        XCTAssertNil(buffer.cancel(key: "cart/add", member: "cy"))
        XCTAssertNil(buffer.cancel(key: "vip/add", member: "ana"), "another key")
        XCTAssertEqual(buffer.cancel(key: "cart/add", member: "ana"), "add-ana")
        XCTAssertEqual(buffer.count, 1)
        XCTAssertEqual(buffer.nextDeadline, 101, "the deadline moves to the oldest left")
        XCTAssertEqual(buffer.take(now: 101, limit: 5), [["add-bo"]])
    }

    func testWhileMoreIsQueuedOnlyFullBatchesGo() {
        var buffer = LingerBuffer<String>(batch: 2, linger: 100)
        for (item, key) in [("a1", "a"), ("b1", "b"), ("a2", "a")] { buffer.add(item, key: key, now: 0) }
        XCTAssertEqual(buffer.take(now: 500, limit: 10, lingered: false), [["a1", "a2"]], "b1 waits for the rest of b")
        XCTAssertEqual(buffer.take(now: 500, limit: 10), [["b1"]], "once nothing more is queued, it goes")
    }

    func testTheBufferGroupsByKeyAndNeverMixesKeys() {
        var buffer = LingerBuffer<String>(batch: 2, linger: 100)
        for (item, key) in [("a1", "a"), ("b1", "b"), ("a2", "a"), ("a3", "a")] { buffer.add(item, key: key, now: 0) }
        XCTAssertEqual(buffer.take(now: 50, limit: 10), [["a1", "a2"]], "only the full batch before the linger")
        XCTAssertEqual(buffer.count, 2)
        XCTAssertEqual(buffer.nextDeadline, 100)
        XCTAssertEqual(buffer.take(now: 100, limit: 1), [["a3"]], "the oldest group first, within the limit")
        XCTAssertEqual(buffer.take(now: 100, limit: 5), [["b1"]])
        // A tail left behind by a full batch waits from its own oldest item, not from the group's first.
        buffer.add("d1", key: "d", now: 0)
        buffer.add("d2", key: "d", now: 0)
        buffer.add("d3", key: "d", now: 80)
        XCTAssertEqual(buffer.take(now: 90, limit: 5), [["d1", "d2"]])
        XCTAssertEqual(buffer.nextDeadline, 180)
        XCTAssertEqual(buffer.take(now: 120, limit: 5), [])
        XCTAssertEqual(buffer.take(now: 180, limit: 5), [["d3"]])
        XCTAssertNil(buffer.nextDeadline)
        buffer.add("c1", key: "c", now: 200)
        XCTAssertEqual(buffer.drainAll(), ["c1"])
        XCTAssertEqual(buffer.count, 0)
    }
}
