import Logging
import Synchronization
import XCTest

@testable import HeraldCore

/// A cluster's budget in memory: one timeline per key, as `PostgresBudgets` keeps them; `fail` makes it throw.
private final class TimelineBudgets: RateBudgets {
    struct Failure: Error {}
    let state = Mutex<(tat: [String: Double], now: Double, calls: [[String]], fail: Bool)>(([:], 0, [], false))

    func lease(_ requests: [(key: String, count: Int, rate: Double)]) throws -> [Int64] {
        try state.withLock { state in
            if state.fail { throw Failure() }
            state.calls.append(requests.map(\.key))
            return requests.map { request in
                let start = max(state.tat[request.key] ?? 0, state.now)
                state.tat[request.key] = start + Double(request.count) * 1000 / request.rate
                return Int64(start - state.now)
            }
        }
    }
}

/// Channel and domain rates spent from a shared budget: leased in chunks, spent locally, waiting for the chunk's
/// start; the local bucket decides while the budget cannot lease.
final class SharedBudgetTests: XCTestCase {
    private let logger = Logger(label: "test")

    func testAChannelLeasesChunksOnOneTimelineWithAnotherHost() {
        let budgets = TimelineBudgets()
        var one = ChannelRate(rate: 100, channel: "webhook", budgets: budgets)
        var other = ChannelRate(rate: 100, channel: "webhook", budgets: budgets)
        XCTAssertEqual(one.take(10, now: 0, logger: logger), .zero, "the first chunk (10 = 0.1 s) starts now")
        XCTAssertEqual(other.take(10, now: 0, logger: logger), .milliseconds(100), "the other host's starts after it")
        XCTAssertEqual(one.take(5, now: 0, logger: logger), .milliseconds(200), "and the next one after that")
        XCTAssertEqual(one.take(5, now: 0, logger: logger), .milliseconds(200), "spent from the chunk in hand")
        XCTAssertEqual(budgets.state.withLock { $0.calls.count }, 3)
    }

    func testAChannelFallsBackToItsOwnBucketWhileTheBudgetFails() {
        let budgets = TimelineBudgets()
        budgets.state.withLock { $0.fail = true }
        var rate = ChannelRate(rate: 100, channel: "webhook", budgets: budgets)
        XCTAssertEqual(rate.take(10, now: 0, logger: logger), .zero, "the local burst")
        XCTAssertGreaterThan(rate.take(10, now: 0, logger: logger), .milliseconds(90), "then the local rate")
        budgets.state.withLock { $0.fail = false }
        _ = rate.take(1, now: 0, logger: logger)
        XCTAssertEqual(budgets.state.withLock { $0.calls.count }, 1, "leasing again once it can")
    }

    func testDomainsOfABatchLeaseInOneRoundTripAndWaitForTheirChunk() throws {
        let budgets = TimelineBudgets()
        let limiter = try XCTUnwrap(DomainLimiter(rates: ["slow.example": 10], fallback: 100, shared: (budgets, "email")))
        let other = try XCTUnwrap(DomainLimiter(rates: ["slow.example": 10], fallback: 100, shared: (budgets, "email")))
        // slow.example: a chunk of 1 (a tenth of a second at 10/s); the second message of it waits for the next.
        let admitted = limiter.admit(domains: ["slow.example", "a.example", nil, "slow.example"], now: 0)
        XCTAssertEqual(admitted[0], nil)
        XCTAssertEqual(admitted[1], nil)
        XCTAssertEqual(admitted[2], nil)
        XCTAssertNotNil(admitted[3])
        XCTAssertEqual(budgets.state.withLock { $0.calls }, [["domain:email:a.example", "domain:email:slow.example"]])
        XCTAssertEqual(limiter.held(now: 0), ["slow.example"])
        // Another host's lease of the same domain comes after this one's: it is held until its chunk starts.
        let until = try XCTUnwrap(other.admit(domains: ["slow.example"], now: 0)[0])
        XCTAssertEqual(until, 100)
        XCTAssertNil(other.admit(domains: ["slow.example"], now: 100)[0], "its chunk, once it starts")
    }

    func testDomainsFallBackToLocalBucketsWhileTheBudgetFails() throws {
        let budgets = TimelineBudgets()
        budgets.state.withLock { $0.fail = true }
        let limiter = try XCTUnwrap(DomainLimiter(rates: [:], fallback: 1, shared: (budgets, "email")))
        let start = ContinuousClock.now
        XCTAssertEqual(limiter.admit(domains: ["a.example", "a.example"], now: 0, clock: start).map { $0 == nil }, [true, false])
    }
}
