import XCTest

@testable import HeraldCore

final class PendingSendsTests: XCTestCase {
    /// A batch is being written while a lane reads the store: whether or not the read saw the batch's rows, once
    /// the write ends each send counts exactly once.
    func testRowsReadDuringAWriteCountOnceWhetherOrNotTheReadSawTheBatch() {
        for readSawTheBatch in [false, true] {
            var pending = PendingSends()
            pending.append(identity: "u-1", channel: "email", at: 100)
            pending.writing = pending.waiting  // what `write` does when it starts
            pending.waiting = [:]
            pending.count = 0
            let older = (channel: "push", at: Int64(50))
            let rows: [String: PendingSends.Sends] = ["u-1": readSawTheBatch ? [older, (channel: "email", at: 100)] : [older]]
            pending.keep(rows, read: ["u-1", "u-2"])
            XCTAssertEqual(pending.delivered("u-1", since: 0).map(\.at).sorted(), [50, 100], "while writing (\(readSawTheBatch))")
            pending.written(since: 0)
            XCTAssertEqual(pending.delivered("u-1", since: 0).map(\.at).sorted(), [50, 100], "after the write (\(readSawTheBatch))")
            XCTAssertEqual(pending.stored["u-2"]?.count, 0, "an identity read with no rows is kept as known empty")
        }
    }

    func testAWrittenBatchJoinsOnlyIdentitiesAlreadyKeptAndDropsTheirOldRows() {
        var pending = PendingSends()
        pending.keep(["u-1": [(channel: "email", at: 10)]], read: ["u-1"])
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
