import XCTest

@testable import HeraldCore

/// `DomainLimiter` keeps buckets only for domains still spending tokens.
final class DomainLimiterTests: XCTestCase {
    func testIdleDomainBucketsAreDropped() throws {
        let limiter = try XCTUnwrap(DomainLimiter(rates: ["busy.example": 1], fallback: 100))
        let start = ContinuousClock.now
        for index in 0..<1000 { _ = limiter.admit(domain: "d\(index).example", now: 1000, clock: start) }
        XCTAssertNil(limiter.admit(domain: "busy.example", now: 1000, clock: start))
        XCTAssertNotNil(limiter.admit(domain: "busy.example", now: 1000, clock: start), "one a second: held")
        XCTAssertEqual(limiter.trackedDomains, 1001)
        // A minute later every bucket has refilled: the same as a new one, so none is kept but the one used now.
        let later = start + .seconds(61)
        XCTAssertNil(limiter.admit(domain: "new.example", now: 62_000, clock: later))
        _ = limiter.held(now: 62_000)
        XCTAssertEqual(limiter.trackedDomains, 1)
        XCTAssertNil(limiter.admit(domain: "busy.example", now: 62_001, clock: later), "a fresh bucket has its burst")
    }

    func testABucketStillPayingItsDebtIsKept() throws {
        let limiter = try XCTUnwrap(DomainLimiter(rates: [:], fallback: 1))
        let start = ContinuousClock.now
        XCTAssertNil(limiter.admit(domain: "a.example", now: 0, clock: start))
        XCTAssertNotNil(limiter.admit(domain: "a.example", now: 0, clock: start))
        // 0.5 s later the bucket is not full yet: a sweep must not forget that the token was spent.
        XCTAssertNotNil(limiter.admit(domain: "a.example", now: 60_000, clock: start + .milliseconds(500)))
    }
}
