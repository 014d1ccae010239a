import XCTest

@testable import EmailPlugin

/// Postmark's HTTP Basic credentials: both user and password must match; anything missing or malformed is 401.
final class PostmarkWebhookTests: XCTestCase {
    let webhook = PostmarkWebhook(username: "herald", password: "s3cret:with-colon")

    func verify(_ headers: [(name: String, value: String)]) throws {
        try webhook.verify(WebhookFixtures.post("postmark", [], headers: headers))
    }

    func testMatchingCredentialsAreAccepted() {
        XCTAssertNoThrow(try verify([WebhookFixtures.basic("herald", "s3cret:with-colon")]))
        XCTAssertNoThrow(try verify([("authorization", "basic " + WebhookFixtures.basic("herald", "s3cret:with-colon").value.dropFirst(6))]))
    }

    func testAnythingElseIs401() {
        let cases: [(String, [(name: String, value: String)])] = [
            ("wrong password", [WebhookFixtures.basic("herald", "s3cret")]),
            ("wrong user", [WebhookFixtures.basic("Herald", "s3cret:with-colon")]),
            ("password prefix", [WebhookFixtures.basic("herald", "s3cret:with-colo")]),
            ("empty", [WebhookFixtures.basic("", "")]),
            ("no header", []),
            ("bearer", [("authorization", "Bearer abc")]),
            ("not base64", [("authorization", "Basic %%%")]),
            ("no colon", [("authorization", "Basic aGVyYWxk")]),
        ]
        for (name, headers) in cases {
            XCTAssertThrowsError(try verify(headers), name) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 401, name)
            }
        }
    }

    func testMalformedBodiesAre400() {
        for text in ["not json", "[1]"] {
            XCTAssertThrowsError(try PostmarkWebhook.event(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 400, text)
            }
        }
    }
}
