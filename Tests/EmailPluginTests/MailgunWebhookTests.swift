import Foundation
import HeraldCrypto
import XCTest

@testable import EmailPlugin

/// Mailgun's signature: HMAC-SHA256 hex over timestamp ‖ token with the signing key, fresh, and each token once.
final class MailgunWebhookTests: XCTestCase {
    let key = "key-0123456789abcdef0123456789abcdef"
    let now: Int64 = 1_760_000_000
    let failed: [String: Any] = [
        "event": "failed", "severity": "permanent", "reason": "bounce", "recipient": "ana@example.com",
        "delivery-status": ["code": 550, "message": "5.1.1 no such user"],
    ]

    func webhook(capacity: Int = 100) -> MailgunWebhook {
        MailgunWebhook(signingKey: Array(key.utf8), maxAge: .seconds(600), replays: TokenReplayCache(capacity: capacity))
    }

    func testGoodSignatureIsAcceptedAndMapped() throws {
        let json = try webhook().verify(WebhookFixtures.mailgun(failed, key: key, timestamp: now - 5), now: now)
        let event = MailgunWebhook.event(json)
        XCTAssertEqual(event?.kind, .bounced)
        XCTAssertEqual(event?.hard, true)
        XCTAssertEqual(event?.reason, "user_unknown")
    }

    func testWrongKeyOrTamperedFieldsAreRefused() throws {
        let webhook = webhook()
        let good = WebhookFixtures.mailgun(failed, key: key, timestamp: now)
        let text = String(decoding: good, as: UTF8.self)
        let bodies: [(String, [UInt8])] = [
            ("another key", WebhookFixtures.mailgun(failed, key: key + "x", timestamp: now)),
            ("no signature", WebhookFixtures.json(["event-data": failed])),
            ("timestamp changed", Array(text.replacingOccurrences(of: "\"\(now)\"", with: "\"\(now - 1)\"").utf8)),
            ("signature changed", WebhookFixtures.mailgun(failed, key: key, timestamp: now, flipSignature: true)),
        ]
        for (name, body) in bodies {
            XCTAssertThrowsError(try webhook.verify(body, now: now), name) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 401, name)
            }
        }
        XCTAssertNotEqual(Array(text.replacingOccurrences(of: "\"\(now)\"", with: "\"\(now - 1)\"").utf8), good)
        XCTAssertNoThrow(try webhook.verify(good, now: now), "the refusals did not burn the good token")
    }

    func testAReplayedTokenIsRefused() throws {
        let webhook = webhook()
        let body = WebhookFixtures.mailgun(failed, key: key, timestamp: now)
        XCTAssertNoThrow(try webhook.verify(body, now: now))
        XCTAssertThrowsError(try webhook.verify(body, now: now + 1)) { error in
            XCTAssertEqual((error as? WebhookError)?.status, 401)
            XCTAssertTrue("\(error)".contains("replayed"), "\(error)")
        }
    }

    func testStaleTimestampsAreRefused() {
        let webhook = webhook()
        for offset: Int64 in [-601, 601, -3600] {
            XCTAssertThrowsError(try webhook.verify(WebhookFixtures.mailgun(failed, key: key, timestamp: now + offset), now: now)) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 401)
                XCTAssertTrue("\(error)".contains("timestamp"), "\(error)")
            }
        }
    }

    func testTheReplayCacheIsBounded() {
        let cache = TokenReplayCache(capacity: 3)
        for index in 0..<10 { XCTAssertTrue(cache.insert("t\(index)", at: now, now: now, maxAge: .seconds(600))) }
        XCTAssertEqual(cache.count, 3)
        XCTAssertFalse(cache.insert("t9", at: now, now: now, maxAge: .seconds(600)), "recent tokens are kept")
        XCTAssertTrue(cache.insert("t0", at: now, now: now, maxAge: .seconds(600)), "the oldest were evicted")
        // Tokens whose timestamps left the window are forgotten even below capacity.
        let aging = TokenReplayCache(capacity: 100)
        XCTAssertTrue(aging.insert("old", at: now, now: now, maxAge: .seconds(600)))
        XCTAssertTrue(aging.insert("new", at: now + 700, now: now + 700, maxAge: .seconds(600)))
        XCTAssertEqual(aging.count, 1)
    }
}
