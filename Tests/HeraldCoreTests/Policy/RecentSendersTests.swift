import XCTest

@testable import HeraldCore

final class RecentSendersTests: XCTestCase {
    func testMaybeForInsertedNoForOthersUntilTwoWindowsPass() {
        let senders = RecentSenders(window: 1_000, now: 0)
        senders.insert("u-1", now: 10)
        XCTAssertTrue(senders.mayContain("u-1", now: 20))
        let strangers = (0..<1_000).filter { senders.mayContain("stranger-\($0)", now: 20) }
        XCTAssertLessThan(strangers.count, 5, "a Bloom filter this empty has almost no false positives")
        XCTAssertTrue(senders.mayContain("u-1", now: 1_500), "still inside the window after the first rotation")
        senders.insert("u-2", now: 1_600)
        XCTAssertTrue(senders.mayContain("u-1", now: 1_900))
        XCTAssertTrue(senders.mayContain("u-2", now: 2_700))
        XCTAssertFalse(senders.mayContain("u-1", now: 2_700), "two windows later it is forgotten")
        XCTAssertFalse(senders.mayContain("u-2", now: 5_000))
    }

    func testAnInsertJustBeforeABoundaryLivesAWholeWindow() {
        let senders = RecentSenders(window: 1_000, now: 0)
        senders.insert("late", now: 999)
        XCTAssertTrue(senders.mayContain("late", now: 1_998), "999 + window has not passed")
        XCTAssertFalse(senders.mayContain("late", now: 2_000))
    }
}
