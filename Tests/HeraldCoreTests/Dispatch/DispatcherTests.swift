import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// The lane and the dispatcher end to end over a real queue and log, with a fake plugin and a fake clock: what a
/// message ends as, when it is due again, and what the channel and its destination do after each kind of outcome.
/// The clock stands still unless a test moves it, so every due time is exact.
final class DispatcherTests: XCTestCase {
    private let t0 = FakeClock.start
    /// `retry.min` = `retry.max` = 10 s: backoff and probe intervals are exactly 10 s, whatever the jitter.
    private let tenSeconds: Int64 = 10_000

    private func harness(_ channelKeys: String = "", maxBatch: Int = 1) throws -> DispatchHarness {
        let harness = try DispatchHarness(channelKeys: channelKeys, maxBatch: maxBatch)
        addTeardownBlock { harness.removeFiles() }
        return harness
    }

    func testADeliveredMessageEndsDeliveredWithOneLogLine() async throws {
        let h = try harness()
        try h.enqueue("m1")
        try await h.running { _ in
            try await h.waitUntil("m1 is delivered") { try h.row("m1")?.state == .delivered && h.logged("m1") == [.delivered] }
        }
        XCTAssertEqual(h.plugin.deliveredIDs, ["m1"])
        XCTAssertEqual(h.plugin.received.first?.deliveries.first?.attempt, 1)
        XCTAssertEqual(try h.row("m1"), .init(state: .delivered, attempts: 1, dueAt: t0), "stamped with the fake time")
        XCTAssertEqual(try h.fileLines(naming: "m1").count, 1, "one line in the log file")
        XCTAssertEqual(h.logged("m1"), [.delivered])
    }

    func testATransientOutcomeDefersByThePolicyAndIsNotTriedBeforeItIsDue() async throws {
        let h = try harness()
        h.plugin.answer { batch, _ in batch.map { $0.id == "m1" && $0.attempt == 1 ? .unavailable : .ok } }
        try h.enqueue("m1")
        try await h.running { dispatcher in
            try await h.waitUntil("m1 is deferred") { try h.row("m1")?.state == .deferred }
            XCTAssertEqual(try h.row("m1"), .init(state: .deferred, attempts: 1, dueAt: t0 + tenSeconds))
            XCTAssertEqual(h.logged.first { $0.id == "m1" }?.retryAt, t0 + tenSeconds)
            // One millisecond before it is due, the lane claims (m2 goes out) but leaves m1 alone.
            h.clock.advance(to: t0 + tenSeconds - 1)
            try h.enqueue("m2")
            dispatcher.wake()
            try await h.waitUntil("m2 is delivered") { try h.row("m2")?.state == .delivered }
            XCTAssertEqual(h.plugin.deliveredIDs, ["m1", "m2"], "m1 was not tried again before its due time")
            h.clock.advance(to: t0 + tenSeconds)
            dispatcher.wake()
            try await h.waitUntil("m1 is delivered") { try h.row("m1")?.state == .delivered }
        }
        XCTAssertEqual(h.plugin.received.map { $0.deliveries.map(\.attempt) }, [[1], [1], [2]])
        XCTAssertEqual(h.logged("m1"), [.deferred, .delivered])
    }

    func testAThrottleHoldsTheWholeChannel() async throws {
        let h = try harness()
        let until = t0 + 5_000
        h.plugin.answer { batch, now in
            batch.map { _ in now < until ? .throttled(reply: Reply(code: "429", text: "slow down"), retryAfter: .seconds(5)) : .ok }
        }
        try h.enqueue("m1", "m2")
        try await h.running { dispatcher in
            try await h.waitUntil("the first is throttled") { h.logged.contains { $0.event == .throttled } }
            h.clock.advance(to: until)
            dispatcher.wake()
            try await h.waitUntil("both are delivered") {
                try h.row("m1")?.state == .delivered && h.row("m2")?.state == .delivered
            }
        }
        // The other message was due at once, yet nothing went out until the hold passed.
        XCTAssertEqual(h.plugin.received.map(\.at), [t0, until, until])
        let throttled = h.logged.filter { $0.event == .throttled }
        XCTAssertEqual(throttled.count, 1)
        XCTAssertEqual(throttled.first?.retryAt, until, "Retry-After sets the message's due time")
        XCTAssertEqual(throttled.first?.id, h.plugin.deliveredIDs.first)
    }

    func testCredentialsAndAGoneDestinationHoldTheChannelWithoutCountingTheAttempt() async throws {
        let pauses: [Outcome] = [
            .credentialsInvalid(reply: Reply(code: "535", text: "bad password")),
            .destinationGone(reply: Reply(code: "410", text: "gone")),
        ]
        for pause in pauses {
            let h = try harness("credentials_pause = \"1m\"\n")
            let held = t0 + 60_000
            h.plugin.answer { batch, now in batch.map { _ in now < held ? pause : .ok } }
            try h.enqueue("m1", "m2")
            try await h.running { dispatcher in
                try await h.waitUntil("the first is paused (\(pause.label))") { h.logged.contains { $0.event == .paused } }
                let first = try XCTUnwrap(h.plugin.deliveredIDs.first)
                XCTAssertEqual(try h.row(first), .init(state: .deferred, attempts: 0, dueAt: held), "\(pause.label)")
                h.clock.advance(to: held)
                dispatcher.wake()
                try await h.waitUntil("both are delivered (\(pause.label))") {
                    try h.row("m1")?.state == .delivered && h.row("m2")?.state == .delivered
                }
            }
            XCTAssertEqual(h.plugin.received.map(\.at), [t0, held, held], "\(pause.label): nothing went out during the hold")
            XCTAssertEqual(
                h.plugin.received.flatMap { $0.deliveries.map(\.attempt) }, [1, 1, 1], "\(pause.label): the pause spent no attempt")
            XCTAssertEqual(try h.row("m1")?.attempts, 1)
            XCTAssertEqual(try h.row("m2")?.attempts, 1)
        }
    }

    func testADeadDestinationHoldsMessagesBackAndProbesOncePerInterval() async throws {
        let h = try harness("dead_after = 3\n")
        let ids = ["m1", "m2", "m3", "m4", "m5"]
        let backUp = t0 + 2 * tenSeconds
        h.plugin.answer { batch, now in batch.map { _ in now < backUp ? .unavailable : .ok } }
        try h.enqueue("m1", "m2", "m3", "m4", "m5")
        var heldBack: [String] = []
        try await h.running { dispatcher in
            try await h.waitUntil("two messages are held back") {
                heldBack = try ids.filter { try h.row($0) == .init(state: .deferred, attempts: 0, dueAt: t0 + tenSeconds) }
                return heldBack.count == 2
            }
            XCTAssertEqual(h.plugin.received.count, 3, "held-back messages never reach the plugin")
            XCTAssertTrue(Set(h.plugin.deliveredIDs).isDisjoint(with: heldBack))
            let down = h.logged.filter { $0.event == .destinationDown }
            XCTAssertEqual(down.map(\.destination), ["peer"])
            XCTAssertEqual(down.first?.retryAt, t0 + tenSeconds, "the first probe after retry.min")

            // The probe time: one probe goes (transient again), everything else waits for the next interval.
            h.clock.advance(to: t0 + tenSeconds)
            dispatcher.wake()
            try await h.waitUntil("every message waits for the second probe") {
                try ids.allSatisfy { try h.row($0)?.dueAt == backUp && h.row($0)?.state == .deferred }
            }
            XCTAssertEqual(h.plugin.received.map(\.at), [t0, t0, t0, t0 + tenSeconds], "exactly one probe")

            // The second probe is answered: the destination is up and the queue drains.
            h.clock.advance(to: backUp)
            dispatcher.wake()
            try await h.waitUntil("all are delivered") { try ids.allSatisfy { try h.row($0)?.state == .delivered } }
        }
        XCTAssertEqual(h.logged.filter { $0.event == .destinationUp }.map(\.destination), ["peer"])
        XCTAssertEqual(h.plugin.received.count, 9, "3 failures, 1 failed probe, 5 deliveries")
        let firstTries = heldBack.compactMap { id in h.plugin.received.flatMap(\.deliveries).first { $0.id == id }?.attempt }
        XCTAssertEqual(firstTries, [1, 1], "waiting behind a down destination spends no attempt")
    }

    func testMissingOutcomesBecomeTransientAndExtraOnesAreDropped() async throws {
        let h = try harness("batch = 3\nconcurrency = 3\n", maxBatch: 3)
        // One outcome for a batch of three at first; later, three too many.
        h.plugin.answer { batch, now in now == FakeClock.start ? [.ok] : Array(repeating: .ok, count: batch.count + 3) }
        try h.enqueue("m1", "m2", "m3")
        try await h.running { dispatcher in
            try await h.waitUntil("the batch is recorded") { h.logged.count == 3 }
            let batch = try XCTUnwrap(h.plugin.received.first).deliveries.map(\.id)
            XCTAssertEqual(batch.count, 3, "one batch of three")
            XCTAssertEqual(try h.row(batch[0])?.state, .delivered, "the one outcome belongs to the first delivery")
            for id in batch.dropFirst() {
                XCTAssertEqual(try h.row(id), .init(state: .deferred, attempts: 1, dueAt: t0 + tenSeconds))
                XCTAssertEqual(h.logged.first { $0.id == id }?.code, "plugin")
            }
            h.clock.advance(to: t0 + tenSeconds)
            dispatcher.wake()
            try await h.waitUntil("the rest is delivered") {
                try ["m1", "m2", "m3"].allSatisfy { try h.row($0)?.state == .delivered }
            }
        }
        XCTAssertEqual(h.plugin.received.map(\.deliveries.count), [3, 2])
        XCTAssertEqual(h.logged.filter { $0.event == .delivered }.count, 3, "extra outcomes record nothing")
    }
}
