import XCTest

@testable import HeraldCore

final class FrequencyCapTests: XCTestCase {
    private let hour: Int64 = 3_600_000
    private let now: Int64 = 1_795_000_000_000
    private let rules = FrequencyCap(rules: [
        FrequencyCap.Rule(max: 3, per: .seconds(86_400)),
        FrequencyCap.Rule(max: 1, per: .seconds(4 * 3600), channel: "push"),
    ])

    /// (history as (channel, hours ago), channel to send on, expected decision).
    func testDecisions() {
        let day = 24 * hour
        let cases: [([(String, Int64)], String, FrequencyCap.Decision)] = [
            ([], "email", .pass),
            ([("email", 1), ("email", 2)], "email", .pass),
            ([("email", 1), ("email", 2)], "push", .pass),
            // The all-channel rule counts every channel: the oldest counted send frees the slot.
            ([("email", 1), ("email", 2), ("webhook", 3)], "email", .capped(rule: 0, freeAt: now - 3 * hour + day)),
            // The push rule binds push only; the daily rule frees later, so it is the one reported.
            ([("email", 1), ("push", 3), ("email", 5)], "push", .capped(rule: 0, freeAt: now - 5 * hour + day)),
            ([("push", 3)], "push", .capped(rule: 1, freeAt: now + hour)),
            ([("push", 3)], "email", .pass),
            ([("email", 1)], "push", .pass),
            // Sends older than the window no longer count; one exactly `per` old has just left it.
            ([("email", 25), ("email", 24), ("email", 2)], "email", .pass),
            ([("push", 4)], "push", .pass),
            // More sends than `max` (the cap was lowered, or other hosts sent): wait until only max - 1 remain.
            (
                [("email", 1), ("email", 2), ("email", 3), ("email", 4), ("email", 5)], "email",
                .capped(rule: 0, freeAt: now - 3 * hour + day)
            ),
        ]
        for (history, channel, expected) in cases {
            let sent = history.map { (channel: $0.0, at: now - $0.1 * hour) }
            XCTAssertEqual(rules.check(channel: channel, sentAt: sent, now: now), expected, "\(history) → \(channel)")
        }
    }

    func testWindowSlides() {
        let cap = FrequencyCap(rules: [FrequencyCap.Rule(max: 2, per: .seconds(3600))])
        let sent: [(channel: String, at: Int64)] = [("email", now), ("email", now + 20 * 60_000)]
        let later = now + 30 * 60_000
        guard case .capped(_, let freeAt) = cap.check(channel: "email", sentAt: sent, now: later) else {
            return XCTFail("two sends in an hour must cap")
        }
        XCTAssertEqual(freeAt, now + hour)
        XCTAssertEqual(cap.check(channel: "email", sentAt: sent, now: freeAt - 1), .capped(rule: 0, freeAt: freeAt))
        XCTAssertEqual(cap.check(channel: "email", sentAt: sent, now: freeAt), .pass)
        // Sending at freeAt fills the window again, until the next oldest leaves.
        let next = sent + [(channel: "email", at: freeAt)]
        XCTAssertEqual(
            cap.check(channel: "email", sentAt: next, now: freeAt + 1),
            .capped(rule: 0, freeAt: now + 20 * 60_000 + hour))
    }

    func testUnorderedHistoryAndFutureSends() {
        let cap = FrequencyCap(rules: [FrequencyCap.Rule(max: 2, per: .seconds(3600))])
        // Another host's clock runs ahead: its send still counts; history need not be sorted.
        let sent: [(channel: String, at: Int64)] = [("email", now + 60_000), ("email", now - 10 * 60_000)]
        XCTAssertEqual(cap.check(channel: "email", sentAt: sent, now: now), .capped(rule: 0, freeAt: now + 50 * 60_000))
    }

    func testDescriptionsAndWindow() {
        XCTAssertEqual(rules.rules.map(\.description), ["3 per 1d", "1 per 4h on push"])
        XCTAssertEqual(rules.longestWindow, .seconds(86_400))
        XCTAssertTrue(FrequencyCap().isEmpty)
        XCTAssertEqual(FrequencyCap().longestWindow, .zero)
        XCTAssertEqual(FrequencyCap().check(channel: "email", sentAt: [("email", now)], now: now), .pass)
        // A zero max cannot come from the config; read as 1 rather than trap.
        let zero = FrequencyCap(rules: [FrequencyCap.Rule(max: 0, per: .seconds(60))])
        XCTAssertEqual(
            zero.check(channel: "email", sentAt: [("email", now)], now: now), .capped(rule: 0, freeAt: now + 60_000))
    }
}
