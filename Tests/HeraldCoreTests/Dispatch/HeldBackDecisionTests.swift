import XCTest

@testable import HeraldCore

/// Every branch of what becomes of a message held back from a down destination, without I/O.
final class HeldBackDecisionTests: XCTestCase {
    private let hour = Duration.seconds(3_600)

    private func context(
        now: Int64 = 10_000, downSince: Int64? = 0, createdAt: Int64 = 0, maxAge: Duration = .seconds(86_400),
        fallbackAfterDown: Duration? = nil
    ) -> HeldBackDecision.Context {
        .init(now: now, until: 12_000, downSince: downSince, createdAt: createdAt, maxAge: maxAge, fallbackAfterDown: fallbackAfterDown)
    }

    func testWithoutAFallbackSettingTheMessageWaitsForTheProbe() {
        XCTAssertEqual(HeldBackDecision.decide(context(), nextRoute: { "push" }), .release(until: 12_000))
    }

    func testItMovesAlongItsRouteOnceTheDestinationWasDownLongEnough() {
        let ten = Duration.seconds(10)
        XCTAssertEqual(HeldBackDecision.decide(context(now: 10_000, fallbackAfterDown: ten), nextRoute: { "push" }), .fallback(next: "push"))
        XCTAssertEqual(HeldBackDecision.decide(context(now: 9_999, fallbackAfterDown: ten), nextRoute: { "push" }), .release(until: 12_000))
        XCTAssertEqual(
            HeldBackDecision.decide(context(now: 10_000, fallbackAfterDown: ten), nextRoute: { nil }), .release(until: 12_000),
            "no route left: it waits")
        XCTAssertEqual(
            HeldBackDecision.decide(context(downSince: nil, fallbackAfterDown: ten), nextRoute: { "push" }), .release(until: 12_000),
            "a full ramp is not an outage")
    }

    func testTheRouteIsLookedUpOnlyWhenItCouldBeTaken() {
        var asked = 0
        _ = HeldBackDecision.decide(context(now: 1, fallbackAfterDown: .seconds(10))) {
            asked += 1
            return "push"
        }
        XCTAssertEqual(asked, 0)
    }

    func testItGivesUpAfterMaxAgeOnlyWhileTheDestinationIsDown() {
        let old = context(now: 3_600_001, createdAt: 0, maxAge: hour)
        XCTAssertEqual(HeldBackDecision.decide(old, nextRoute: { nil }), .giveUp)
        XCTAssertEqual(HeldBackDecision.decide(context(now: 3_600_000, createdAt: 0, maxAge: hour), nextRoute: { nil }), .release(until: 12_000))
        XCTAssertEqual(
            HeldBackDecision.decide(context(now: 3_600_001, downSince: nil, createdAt: 0, maxAge: hour), nextRoute: { nil }),
            .release(until: 12_000), "behind a full ramp it waits")
        XCTAssertEqual(
            HeldBackDecision.decide(
                context(now: 3_600_001, createdAt: 0, maxAge: hour, fallbackAfterDown: .seconds(1)), nextRoute: { "push" }),
            .fallback(next: "push"), "a route beats giving up")
    }
}
