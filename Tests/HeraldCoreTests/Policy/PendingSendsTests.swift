import XCTest

@testable import HeraldCore

final class PendingSendsTests: XCTestCase {
    /// A batch is being written while a lane reads the store: whether or not the read saw the batch's rows, each
    /// send counts exactly once, and the rows of an identity in that batch serve this check only.
    func testRowsReadDuringAWriteCountOnceAndAreNotKeptForIdentitiesInTheBatch() {
        for readSawTheBatch in [false, true] {
            var pending = PendingSends()
            pending.append(identity: "u-1", channel: "email", at: 100)
            pending.writing = pending.waiting  // what `write` does when it starts
            pending.waiting = [:]
            pending.count = 0
            let older = (channel: "push", at: Int64(50))
            let rows: [String: PendingSends.Sends] = [
                "u-1": readSawTheBatch ? [older, (channel: "email", at: 100)] : [older], "u-3": [older],
            ]
            pending.take(rows, read: ["u-1", "u-2", "u-3"])
            XCTAssertTrue(pending.holds(["u-1", "u-2", "u-3"]))
            XCTAssertEqual(pending.delivered("u-1", since: 0).map(\.at).sorted(), [50, 100], "saw the batch: \(readSawTheBatch)")
            XCTAssertNil(pending.stored["u-1"], "in the batch being written: not kept")
            XCTAssertEqual(pending.stored["u-2"]?.count, 0, "an identity read with no rows is kept as known empty")
            XCTAssertEqual(pending.stored["u-3"]?.map(\.at), [50])
            pending.checked()
            XCTAssertFalse(pending.holds(["u-1"]), "read again at the next check")
            pending.written(since: 0)
            XCTAssertEqual(pending.delivered("u-3", since: 0).map(\.at), [50])
        }
    }

    /// A check that is retried (or the next check) must not count rows taken for an earlier one: the batch those
    /// left out may have been written since.
    func testRowsForOneCheckAreDroppedByTheNextTake() {
        var pending = PendingSends()
        pending.writing = ["u-1": [(channel: "email", at: 100)]]
        pending.take(["u-1": [(channel: "push", at: 50)]], read: ["u-1"])
        XCTAssertTrue(pending.holds(["u-1"]))
        pending.take([:], read: [])
        XCTAssertFalse(pending.holds(["u-1"]), "read again, not taken from the last attempt")
    }

    func testAKeptIdentityIsNotOverwrittenByAnOlderRead() {
        var pending = PendingSends()
        pending.take(["u-1": [(channel: "email", at: 10)]], read: ["u-1"])
        pending.take(["u-1": []], read: ["u-1"])
        XCTAssertEqual(pending.stored["u-1"]?.map(\.at), [10])
    }

    func testAFullCacheStartsAgainOnlyAfterTheCheckThatFilledIt() {
        var pending = PendingSends()
        pending.take([:], read: (0..<PendingSends.storedLimit).map { "u-\($0)" })
        pending.take(["x": [(channel: "email", at: 10)]], read: ["x"])
        XCTAssertEqual(pending.delivered("x", since: 0).count, 1, "the check that overfilled it still sees its rows")
        pending.checked()
        XCTAssertTrue(pending.stored.isEmpty)
    }

    func testAWrittenBatchJoinsOnlyIdentitiesAlreadyKeptAndDropsTheirOldRows() {
        var pending = PendingSends()
        pending.take(["u-1": [(channel: "email", at: 10)]], read: ["u-1"])
        pending.writing = ["u-1": [(channel: "email", at: 500)], "u-9": [(channel: "email", at: 500)]]
        pending.written(since: 100)
        XCTAssertEqual(pending.stored["u-1"]?.map(\.at), [500], "the row older than any cap is gone")
        XCTAssertNil(pending.stored["u-9"], "never read: its rows are read from the store when first needed")
        XCTAssertTrue(pending.writing.isEmpty)
    }

    func testReservationsAreOnePerMessageAndSettleOnce() {
        var pending = PendingSends()
        pending.reserve(id: "m-1", identity: "u-1", channel: "email", at: 10)
        pending.reserve(id: "m-1", identity: "u-1", channel: "email", at: 20)
        XCTAssertEqual(pending.inFlight("u-1", since: 0).map(\.at), [20], "a second reservation of a message replaces the first")
        pending.settle(id: "m-1", identity: "u-1", channel: "email", delivered: true, now: 30)
        pending.settle(id: "m-1", identity: "u-1", channel: "email", delivered: false, now: 40)
        XCTAssertTrue(pending.inFlight("u-1", since: 0).isEmpty)
        XCTAssertNil(pending.reserved["u-1"])
        XCTAssertEqual(pending.delivered("u-1", since: 0).map(\.at), [30])
    }
}
