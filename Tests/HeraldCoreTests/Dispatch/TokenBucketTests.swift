import XCTest

@testable import HeraldCore

final class TokenBucketTests: XCTestCase {
    func testBurstThenRate() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 100, burst: 10, now: start)
        XCTAssertEqual(bucket.take(10, now: start), .zero)
        XCTAssertEqual(bucket.take(1, now: start), .milliseconds(10))
        XCTAssertEqual(bucket.take(1, now: start + .milliseconds(10)), .milliseconds(10))
        // A quiet second refills to the burst, not beyond.
        XCTAssertEqual(bucket.take(10, now: start + .seconds(2)), .zero)
        XCTAssertEqual(bucket.take(5, now: start + .seconds(2)), .milliseconds(50))
    }
}
