import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// A recipient the plugin reports not reachable now: the message is parked without spending an attempt, a wake
/// for that address (`QueueStore.wake`, what a `reachable` fact does) sends it at once, and at `max_wait` it ends
/// expired; nothing is sent in between.
final class ParkingTests: XCTestCase {
    private let t0 = FakeClock.start
    private let away = Outcome.notReachableNow(reply: Reply(code: "offline", text: "no open chat"))

    func testAParkedMessageWaitsWithoutAnAttemptAndGoesWhenWoken() async throws {
        let h = try DispatchHarness(channelKeys: "max_wait = \"1h\"\n")
        addTeardownBlock { h.removeFiles() }
        let away = away
        h.plugin.answer { batch, _ in batch.map { _ in away } }
        try h.enqueue("p1")
        try await h.running { dispatcher in
            try await h.waitUntil("p1 parked") { try h.row("p1")?.state == .parked }
            XCTAssertEqual(try h.row("p1"), .init(state: .parked, attempts: 0, dueAt: t0 + 3_600_000))
            XCTAssertEqual(h.logged("p1"), [.parked])
            XCTAssertEqual(try h.store.wake(channel: "fake", key: "someone@example.com", now: t0), 0, "another address")
            h.plugin.answer { batch, _ in batch.map { _ in .ok } }
            XCTAssertEqual(try h.store.wake(channel: "fake", key: "ana@example.com", now: t0), 1)
            dispatcher.wake()
            try await h.waitUntil("p1 delivered") { try h.row("p1")?.state == .delivered }
        }
        XCTAssertEqual(h.plugin.deliveredIDs, ["p1", "p1"])
        XCTAssertEqual(h.logged("p1"), [.parked, .delivered])
    }

    func testAtMaxWaitAMessageWithoutAFallbackExpires() async throws {
        let h = try DispatchHarness(channelKeys: "max_wait = \"10s\"\n")
        addTeardownBlock { h.removeFiles() }
        let away = away
        h.plugin.answer { batch, _ in batch.map { _ in away } }
        try h.enqueue("p2")
        try await h.running { dispatcher in
            try await h.waitUntil("p2 parked") { try h.row("p2")?.state == .parked }
            h.clock.advance(to: t0 + 10_000)
            dispatcher.wake()
            try await h.waitUntil("p2 expired") { try h.row("p2")?.state == .expired }
        }
        XCTAssertEqual(h.plugin.received.map(\.at), [t0, t0 + 10_000], "one look at the deadline, none in between")
        let expired = try XCTUnwrap(h.logged.last { $0.id == "p2" })
        XCTAssertEqual(expired.event, .expired)
        XCTAssertEqual(expired.detail, "not reachable for max_wait (10s)")
    }
}
