import XCTest

@testable import HeraldCore

final class DoorbellTests: XCTestCase {
    func testRingBeforeWaitIsKeptOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        let start = ContinuousClock.now
        await bell.wait(timeout: .seconds(10))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5), "a pending ring returns at once")
        let second = ContinuousClock.now
        await bell.wait(timeout: .milliseconds(50))
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - second, .milliseconds(50), "two rings count as one")
    }

    func testRingWakesAWaiter() async {
        let bell = Doorbell()
        async let woken: Void = bell.wait(timeout: .seconds(30))
        try? await Task.sleep(for: .milliseconds(20))
        let start = ContinuousClock.now
        bell.ring()
        await woken
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10))
    }

    func testCancellationEndsTheWait() async {
        let bell = Doorbell()
        let task = Task { await bell.wait(timeout: nil) }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await task.value  // would hang forever if cancellation were ignored
    }

    func testParallelMapKeepsOrder() {
        let items = Array(0..<1000)
        XCTAssertEqual(ParallelMap.map(items) { $0 * 2 }, items.map { $0 * 2 })
        XCTAssertEqual(ParallelMap.map([7]) { $0 + 1 }, [8])
        XCTAssertEqual(ParallelMap.map([Int]()) { $0 }, [])
    }
}
