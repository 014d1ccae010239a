import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class FallbackRouteTests: XCTestCase {
    func testNextWalksTheRouteForwardOnly() {
        let route = ["push", "webhook", "archive"]
        XCTAssertEqual(FallbackRoute.next(after: "email", first: "email", route: route), "push")
        XCTAssertEqual(FallbackRoute.next(after: "push", first: "email", route: route), "webhook")
        XCTAssertEqual(FallbackRoute.next(after: "webhook", first: "email", route: route), "archive")
        XCTAssertNil(FallbackRoute.next(after: "archive", first: "email", route: route))
        XCTAssertNil(FallbackRoute.next(after: "email", first: "email", route: []))
        // A route that names the first channel again never sends the message back there.
        XCTAssertEqual(FallbackRoute.next(after: "email", first: "email", route: ["email", "push"]), "push")
        XCTAssertNil(FallbackRoute.next(after: "push", first: "email", route: ["push", "email"]))
    }

    func testWhatMovesAMessage() {
        let reply = Reply(code: "x", text: "y")
        XCTAssertTrue(FallbackRoute.moves(.outcome(.permanent(reply: reply)), attempt: 1, after: nil))
        XCTAssertTrue(FallbackRoute.moves(.outcome(.recipientInvalid(reply: reply)), attempt: 1, after: nil))
        XCTAssertTrue(FallbackRoute.moves(.suppressed, attempt: 1, after: nil))
        XCTAssertFalse(FallbackRoute.moves(.outcome(.transient(reply: reply, retryAfter: nil)), attempt: 5, after: nil))
        XCTAssertFalse(FallbackRoute.moves(.outcome(.transient(reply: reply, retryAfter: nil)), attempt: 2, after: 3))
        XCTAssertTrue(FallbackRoute.moves(.outcome(.transient(reply: reply, retryAfter: nil)), attempt: 3, after: 3))
        XCTAssertFalse(FallbackRoute.moves(.outcome(.throttled(reply: reply, retryAfter: nil)), attempt: 9, after: 1))
        XCTAssertFalse(FallbackRoute.moves(.outcome(.credentialsInvalid(reply: reply)), attempt: 9, after: 1))
        XCTAssertFalse(FallbackRoute.moves(.outcome(.delivered(providerID: nil, reply: reply)), attempt: 1, after: 1))
    }
}
