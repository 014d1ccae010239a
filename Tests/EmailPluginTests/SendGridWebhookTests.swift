import CryptoTestSupport
import HeraldCrypto
import HeraldPluginAPI
import XCTest

@testable import EmailPlugin

/// SendGrid's signed Event Webhook: the signature covers the timestamp header and the raw body bytes, exactly;
/// anything else, a missing header, another key or a timestamp outside the window is refused (401).
final class SendGridWebhookTests: XCTestCase {
    let signer = TestKeyPair.p256()
    let now: Int64 = 1_760_000_000
    let body = Array(#"[{"email":"ana@example.com","event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 unknown"}]"#.utf8) + [0x0D, 0x0A]

    func webhook(maxAge: Duration = .seconds(600)) throws -> SendGridWebhook {
        SendGridWebhook(publicKey: try P256PublicKey(base64DER: Base64.encode(signer.subjectPublicKeyInfo)), maxAge: maxAge)
    }

    func request(_ body: [UInt8], _ headers: [(name: String, value: String)]) -> PluginHTTPRequest {
        WebhookFixtures.post("sendgrid", body, headers: headers)
    }

    func testGoodSignatureIsAcceptedAndEventsMapped() throws {
        let headers = WebhookFixtures.sendGridHeaders(body, timestamp: now - 30, signer: signer)
        XCTAssertNoThrow(try webhook().verify(request(body, headers), now: now))
        let events = try SendGridWebhook.events(body)
        XCTAssertEqual(events.map(\.reason), ["user_unknown"])
        XCTAssertEqual(events.map(\.hard), [true])
    }

    func testWhatIsSignedIsTheRawBodyAndTheTimestamp() throws {
        let headers = WebhookFixtures.sendGridHeaders(body, timestamp: now, signer: signer)
        let reserialized = WebhookFixtures.json(try JSONSerialization.jsonObject(with: Data(body)))
        var otherTimestamp = headers
        otherTimestamp[1].value = String(now - 1)
        let cases: [(String, PluginHTTPRequest)] = [
            ("re-serialized body", request(reserialized, headers)),
            ("body without its CRLF", request(Array(body.dropLast(2)), headers)),
            ("other timestamp", request(body, otherTimestamp)),
            ("another key", request(body, WebhookFixtures.sendGridHeaders(body, timestamp: now, signer: TestKeyPair.p256()))),
            ("no signature", request(body, [headers[1]])),
            ("no timestamp", request(body, [headers[0]])),
            ("not base64", request(body, [("x-twilio-email-event-webhook-signature", "%%%"), headers[1]])),
            ("no headers", request(body, [])),
        ]
        for (name, request) in cases {
            XCTAssertThrowsError(try webhook().verify(request, now: now), name) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 401, name)
            }
        }
    }

    func testStaleOrFutureTimestampsAreRefused() throws {
        let webhook = try webhook(maxAge: .seconds(600))
        for (offset, accepted) in [(-600, true), (600, true), (-601, false), (601, false), (-86_400, false)] as [(Int64, Bool)] {
            let headers = WebhookFixtures.sendGridHeaders(body, timestamp: now + offset, signer: signer)
            if accepted {
                XCTAssertNoThrow(try webhook.verify(request(body, headers), now: now), "\(offset)")
            } else {
                XCTAssertThrowsError(try webhook.verify(request(body, headers), now: now), "\(offset)") { error in
                    XCTAssertTrue("\(error)".contains("10m"), "\(error)")
                }
            }
        }
    }

    func testMalformedBodiesAre400() {
        for text in ["not json", "{\"event\":\"bounce\"}", ""] {
            XCTAssertThrowsError(try SendGridWebhook.events(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 400, text)
            }
        }
    }
}
