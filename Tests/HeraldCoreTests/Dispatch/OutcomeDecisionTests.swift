import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class OutcomeDecisionTests: XCTestCase {
    let retry = RetryPolicy(min: .seconds(30), max: .seconds(3600), maxAge: .seconds(86_400))
    let reply = Reply(code: "503", text: "busy")

    private func context(attempt: Int = 1, now: Int64 = 1_000_000, created: Int64 = 1_000_000, expires: Int64? = nil,
                         jitter: Double = 0) -> OutcomeDecision.Context {
        .init(attempt: attempt, createdAt: created, expiresAt: expires, now: now, retry: retry,
              credentialsPause: .seconds(300), jitter: jitter)
    }

    /// The whole rule table, one row per outcome class and limit.
    func testTable() {
        let rows: [(Outcome, OutcomeDecision.Context, OutcomeDecision)] = [
            (.delivered(providerID: "q1", reply: reply), context(), .delivered),
            (.transient(reply: reply, retryAfter: nil), context(), .retry(at: 1_030_000)),
            (.transient(reply: reply, retryAfter: nil), context(attempt: 3, jitter: 0.999_999),
             .retry(at: 1_000_000 + 119_999)),
            (.transient(reply: reply, retryAfter: .seconds(5)), context(attempt: 3), .retry(at: 1_005_000)),
            (.throttled(reply: reply, retryAfter: .seconds(2)), context(), .retry(at: 1_002_000)),
            (.throttled(reply: reply, retryAfter: nil), context(), .retry(at: 1_030_000)),
            (.permanent(reply: reply), context(), .fail(reason: "permanent: 503 busy")),
            (.recipientInvalid(reply: reply), context(), .fail(reason: "recipient invalid: 503 busy")),
            (.credentialsInvalid(reply: reply), context(), .hold(at: 1_300_000)),
            (.transient(reply: reply, retryAfter: nil), context(expires: 1_020_000), .expire),
            (.transient(reply: reply, retryAfter: nil), context(now: 1_000_000 + 86_390_000),
             .fail(reason: "gave up after 1 attempts over 1d: 503 busy")),
        ]
        for (outcome, context, expected) in rows {
            XCTAssertEqual(OutcomeDecision.decide(outcome, context), expected, "\(outcome)")
        }
    }

    func testBackoffGrowsAndIsCapped() {
        XCTAssertEqual(retry.backoff(afterAttempt: 1, unit: 0.5), .seconds(30))
        XCTAssertEqual(retry.backoff(afterAttempt: 2, unit: 1), .seconds(60))
        XCTAssertEqual(retry.backoff(afterAttempt: 2, unit: 0), .seconds(30))
        XCTAssertEqual(retry.backoff(afterAttempt: 20, unit: 1), .seconds(3600))
        XCTAssertEqual(retry.backoff(afterAttempt: 200, unit: 1), .seconds(3600))
    }

    func testNotReachableNowParksUntilTheFirstDeadlineAndThenWaitsOut() {
        var fresh = context()
        fresh.maxWait = .seconds(60)
        XCTAssertEqual(
            OutcomeDecision.decide(.notReachableNow(reply: reply), fresh), .park(until: 1_060_000, since: 1_000_000))
        var woken = context(now: 1_030_000)
        woken.maxWait = .seconds(60)
        woken.waitingSince = 1_000_000
        XCTAssertEqual(
            OutcomeDecision.decide(.notReachableNow(reply: reply), woken), .park(until: 1_060_000, since: 1_000_000),
            "a wake that finds them gone again waits on to the same deadline")
        var expiring = context(expires: 1_020_000)
        expiring.maxWait = .seconds(60)
        XCTAssertEqual(OutcomeDecision.decide(.notReachableNow(reply: reply), expiring), .park(until: 1_020_000, since: 1_000_000))
        var over = context(now: 1_060_000)
        over.maxWait = .seconds(60)
        over.waitingSince = 1_000_000
        XCTAssertEqual(
            OutcomeDecision.decide(.notReachableNow(reply: reply), over), .waitedOut(reason: "not reachable for max_wait (1m)"))
        XCTAssertEqual(
            OutcomeDecision.decide(.notReachableHere(reply: reply), context()), .fail(reason: "not reachable here: 503 busy"))
        XCTAssertTrue(FallbackRoute.moves(.outcome(.notReachableHere(reply: reply)), attempt: 1, after: nil))
    }
}
