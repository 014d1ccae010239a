import XCTest

@testable import HeraldCore

/// The doorbell by what each wait reports (`Wake`), not by how long it took: a broken bell answers with the wrong
/// reason (after a bounded timeout) instead of making a test slow or hang.
final class DoorbellTests: XCTestCase {
    /// Until a waiter is parked, so a ring lands on it rather than on an empty bell; bounded.
    private func parked(_ bell: Doorbell) async throws {
        for _ in 0..<2000 where !bell.hasWaiter { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertTrue(bell.hasWaiter, "the waiter never parked")
    }

    func testRingBeforeWaitIsKeptOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        let first = await bell.wait(timeout: .seconds(60))
        XCTAssertEqual(first, .rung, "a pending ring returns at once")
        let second = await bell.wait(timeout: .milliseconds(20))
        XCTAssertEqual(second, .timedOut, "two rings count as one")
    }

    func testRingWakesAWaiter() async throws {
        let bell = Doorbell()
        let waiter = Task { await bell.wait(timeout: .seconds(60)) }
        try await parked(bell)
        bell.ring()
        let woken = await waiter.value
        XCTAssertEqual(woken, .rung)
        XCTAssertFalse(bell.hasWaiter)
    }

    func testTimeoutEndsAWaitWithoutARing() async {
        let bell = Doorbell()
        let result = await bell.wait(timeout: .milliseconds(10))
        XCTAssertEqual(result, .timedOut)
    }

    func testCancellationEndsTheWait() async throws {
        let bell = Doorbell()
        let task = Task { await bell.wait(timeout: .seconds(60)) }
        try await parked(bell)
        task.cancel()
        let result = await task.value
        XCTAssertEqual(result, .cancelled, "cancellation, not the 60 s timeout, ended the wait")
    }

    func testParallelMapKeepsOrder() {
        let items = Array(0..<1000)
        XCTAssertEqual(ParallelMap.map(items) { $0 * 2 }, items.map { $0 * 2 })
        XCTAssertEqual(ParallelMap.map([7]) { $0 + 1 }, [8])
        XCTAssertEqual(ParallelMap.map([Int]()) { $0 }, [])
    }
}
