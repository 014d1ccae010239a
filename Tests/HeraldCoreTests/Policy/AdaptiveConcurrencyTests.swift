import XCTest

@testable import HeraldCore

final class AdaptiveConcurrencyTests: XCTestCase {
    func testInitialLimits() {
        let cases: [(maximum: Int, initial: Int?, limit: Int)] = [
            (100, nil, 4), (2, nil, 2), (0, nil, 1), (100, 500, 100), (10, 0, 1), (10, 7, 7),
        ]
        for (maximum, initial, limit) in cases {
            let adaptive = AdaptiveConcurrency(maximum: maximum, initial: initial)
            XCTAssertEqual(adaptive.limit, limit, "maximum \(maximum), initial \(String(describing: initial))")
            XCTAssertNil(adaptive.latency)
        }
    }

    /// One step per window, a window as long as the limit: 4 → 10 takes 4 + 5 + … + 9 = 39 outcomes.
    func testRaisesToMaximumUnderSuccess() {
        let adaptive = AdaptiveConcurrency(maximum: 10)
        var limits: [Int] = []
        for _ in 0..<39 {
            adaptive.record(outcome: .success, latencyMs: 50)
            limits.append(adaptive.limit)
        }
        XCTAssertEqual(limits[3], 5)
        XCTAssertEqual(limits[37], 9)
        XCTAssertEqual(limits[38], 10)
        for _ in 0..<200 { adaptive.record(outcome: .success, latencyMs: 50) }
        XCTAssertEqual(adaptive.limit, 10)
        XCTAssertEqual(adaptive.latency?.baseline, 50)
    }

    func testHalvesOnThrottleOrTransient() {
        let cases: [(AdaptiveConcurrency.Outcome, Int, Int)] = [
            (.throttled, 32, 16), (.transient, 32, 16), (.throttled, 9, 4), (.throttled, 1, 1), (.success, 32, 32),
        ]
        for (outcome, before, after) in cases {
            let adaptive = AdaptiveConcurrency(maximum: 64, initial: before)
            adaptive.record(outcome: outcome, latencyMs: 10)
            XCTAssertEqual(adaptive.limit, after, "\(outcome) at \(before)")
        }
    }

    func testNeverBelowOne() {
        let adaptive = AdaptiveConcurrency(maximum: 64, initial: 64)
        for _ in 0..<1000 { adaptive.record(outcome: .throttled, latencyMs: 0) }
        XCTAssertEqual(adaptive.limit, 1)
    }

    /// After a cut, the answers to the requests already in flight (the old limit's worth) cannot cut again.
    func testOneCutPerWindow() {
        let adaptive = AdaptiveConcurrency(maximum: 64, initial: 16)
        adaptive.record(outcome: .throttled, latencyMs: 10)
        XCTAssertEqual(adaptive.limit, 8)
        for _ in 0..<16 { adaptive.record(outcome: .throttled, latencyMs: 10) }
        XCTAssertEqual(adaptive.limit, 8, "the rest of the bad batch must not cut again")
        adaptive.record(outcome: .throttled, latencyMs: 10)
        XCTAssertEqual(adaptive.limit, 4, "a new window may cut again")
        // The window after that cut spans 8 outcomes: successes in it do not raise the limit either.
        for _ in 0..<8 { adaptive.record(outcome: .success, latencyMs: 10) }
        XCTAssertEqual(adaptive.limit, 4)
        for _ in 0..<4 { adaptive.record(outcome: .success, latencyMs: 10) }
        XCTAssertEqual(adaptive.limit, 5)
    }

    /// Latency clearly above the baseline is queueing: cut once per window; between the thresholds, hold.
    func testLatencyRules() {
        var state = AIMDState(maximum: 8, initial: 8)
        for _ in 0..<16 { state.record(.success, latencyMs: 50) }
        XCTAssertEqual(state.limit, 8)
        state.record(.success, latencyMs: 200)  // ewma 95 ≤ 2 × 50 + 5
        XCTAssertEqual(state.limit, 8)
        state.record(.success, latencyMs: 200)  // ewma 126.5 > 105
        XCTAssertEqual(state.limit, 4)
        for _ in 0..<7 { state.record(.success, latencyMs: 200) }
        XCTAssertEqual(state.limit, 4, "no second cut in the window after a cut")

        // Hold zone: 1.5 × 50 + 5 < 85 ≤ 2 × 50 + 5.
        var hold = AIMDState(maximum: 64, initial: 4)
        for _ in 0..<4 { hold.record(.success, latencyMs: 50) }
        XCTAssertEqual(hold.limit, 5)
        for _ in 0..<10 { hold.record(.success, latencyMs: 85) }
        let held = hold.limit
        for _ in 0..<(held * 3) { hold.record(.success, latencyMs: 85) }
        XCTAssertEqual(hold.limit, held, "between the thresholds the limit holds")
    }

    /// The baseline forgets: if the peer is slower for good, the limit recovers once old windows age out.
    func testBaselineAgesOut() {
        var state = AIMDState(maximum: 64, initial: 64)
        for _ in 0..<128 { state.record(.success, latencyMs: 20) }
        for _ in 0..<200 { state.record(.success, latencyMs: 400) }
        XCTAssertEqual(state.baseline, 400)
        let low = state.limit
        for _ in 0..<200 { state.record(.success, latencyMs: 400) }
        XCTAssertGreaterThan(state.limit, low)
    }

    func testSmallLatenciesAreNotQueueing() {
        var state = AIMDState(maximum: 8, initial: 8)
        for latency: Int64 in [0, 1, 3, 0, 4, 2, 1, 5, 0, 3, 4, 1] { state.record(.success, latencyMs: latency) }
        XCTAssertEqual(state.limit, 8)
    }

    func testDeterministicAndThreadSafe() async {
        var outcomes: [(AdaptiveConcurrency.Outcome, Int64)] = []
        for index in 0..<500 {
            let outcome: AdaptiveConcurrency.Outcome =
                index % 37 == 0 ? .throttled : index % 53 == 0 ? .transient : .success
            outcomes.append((outcome, Int64(20 + (index * 7) % 30)))
        }
        let recorded = outcomes
        var first = AIMDState(maximum: 32, initial: 4)
        var second = AIMDState(maximum: 32, initial: 4)
        for (outcome, latency) in outcomes {
            first.record(outcome, latencyMs: latency)
            second.record(outcome, latencyMs: latency)
        }
        XCTAssertEqual(first, second)

        let shared = AdaptiveConcurrency(maximum: 32)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for (outcome, latency) in recorded.dropFirst(worker) {
                        shared.record(outcome: outcome, latencyMs: latency)
                    }
                }
            }
        }
        XCTAssertTrue((1...32).contains(shared.limit))
    }
}
