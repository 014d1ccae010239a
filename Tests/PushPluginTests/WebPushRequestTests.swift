import Foundation
import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport
import XCTest

@testable import PushPlugin

/// The RFC 8030 request: a body the subscription's private key decrypts back to the payload, the headers (TTL
/// from `expires_at` and never 0, Urgency, Topic only when valid, aes128gcm), and refusals before sending.
final class WebPushRequestTests: XCTestCase {
    let now: Int64 = 1_780_000_000_000

    private func builder(ttl: Int64? = nil, caFile: String? = nil) throws -> WebPushRequest {
        let settings = try WebPushFixtures.settings(
            keyFile: try temporaryFile(WebPushFixtures.vapidPEM), ttl: ttl, caFile: caFile)
        let now = self.now
        let vapid = try WebPushVAPID(keyFile: settings.vapidKeyFile, subject: settings.vapidSubject) {
            now
        }
        return WebPushRequest(
            settings: settings, vapid: vapid, timeout: .seconds(7), connectTimeout: .seconds(3))
    }

    func testTheBodyDecryptsToThePayloadWithTheSubscriptionsKey() throws {
        let browser = UserAgent()
        let item = WebPushFixtures.item(
            keys: browser,
            content: RenderedContent(
                title: "Back in stock", body: "The \"blue\" mug\nis back", url: "https://shop.example/m"),
            push: .object([
                "image": .string("https://shop.example/m.png"), "badge": .int(3),
                "collapse_id": .string("restock"),
                "custom": .object(["sku": .string("MUG-1")]),
            ]))
        let request = try builder(caFile: "/etc/herald/ca.pem").build(item, now: now)
        XCTAssertEqual(request.url, WebPushFixtures.endpoint)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.caFile, "/etc/herald/ca.pem")
        XCTAssertEqual(request.timeout, .seconds(7))
        XCTAssertEqual(request.connectTimeout, .seconds(3))
        XCTAssertTrue(request.captureHeaders.contains("location"))
        XCTAssertEqual(header("Content-Encoding", in: request), "aes128gcm")
        XCTAssertEqual(header("Content-Type", in: request), "application/octet-stream")
        XCTAssertEqual(request.headers.filter { $0.hasPrefix("Content-Encoding:") }.count, 1)

        let plaintext = try XCTUnwrap(browser.decrypt(request.body), "the UA's key opens the body")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plaintext)) as? [String: Any])
        XCTAssertEqual(json["title"] as? String, "Back in stock")
        XCTAssertEqual(json["body"] as? String, "The \"blue\" mug\nis back")
        XCTAssertEqual(json["url"] as? String, "https://shop.example/m")
        XCTAssertEqual(json["image"] as? String, "https://shop.example/m.png")
        XCTAssertEqual(json["badge"] as? Int, 3)
        XCTAssertEqual(json["tag"] as? String, "restock")
        XCTAssertEqual(json["data"] as? [String: String], ["sku": "MUG-1"])
        XCTAssertEqual(Set(json.keys), ["title", "body", "url", "image", "badge", "tag", "data"])

        XCTAssertNil(UserAgent().decrypt(request.body), "another subscription's key cannot open it")
    }

    func testAbsentMembersAreLeftOut() throws {
        let browser = UserAgent()
        let request = try builder().build(WebPushFixtures.item(keys: browser), now: now)
        XCTAssertEqual(
            browser.decrypt(request.body).map { String(decoding: $0, as: UTF8.self) }, #"{"title":"Hi"}"#)
    }

    func testTTLComesFromExpiresAtIsNeverZeroElseTheConfiguredTTL() throws {
        let browser = UserAgent()
        let cases: [(Int64?, Int64?, String)] = [
            (now + 90_500, nil, "91"), (now + 3_600_000, nil, "3600"), (now + 200, nil, "1"),
            (now, nil, "1"),
            (now - 5_000, nil, "1"), (nil, nil, "86400"), (nil, 600, "600"), (now + 90_000, 600, "90"),
        ]
        for (expiresAt, ttl, expected) in cases {
            let request = try builder(ttl: ttl).build(
                WebPushFixtures.item(keys: browser, expiresAt: expiresAt), now: now)
            XCTAssertEqual(
                header("TTL", in: request), expected, "expires_at \(String(describing: expiresAt))")
        }
    }

    func testUrgencyIsHighForHighPriorityElseNormal() throws {
        let browser = UserAgent()
        let request = try builder()
        XCTAssertEqual(
            header(
                "Urgency",
                in: try request.build(WebPushFixtures.item(keys: browser, priority: "high"), now: now)),
            "high")
        XCTAssertEqual(
            header("Urgency", in: try request.build(WebPushFixtures.item(keys: browser), now: now)),
            "normal")
        // A background push is never high (PushNotification), so never wakes a device on battery.
        let silent = WebPushFixtures.item(
            keys: browser, push: .object(["content_available": .bool(true)]), priority: "high")
        XCTAssertEqual(header("Urgency", in: try request.build(silent, now: now)), "normal")
    }

    func testTopicOnlyWhenTheCollapseIDIsAValidOne() throws {
        let browser = UserAgent()
        let request = try builder()
        let cases: [(String?, String?)] = [
            ("cart-2026_x", "cart-2026_x"),
            (String(repeating: "a", count: 32), String(repeating: "a", count: 32)),
            (String(repeating: "a", count: 33), nil), ("a.b", nil), ("spring sale", nil), ("é", nil),
            (nil, nil),
        ]
        for (collapseID, expected) in cases {
            let push: JSONValue? = collapseID.map { .object(["collapse_id": .string($0)]) }
            let built = try request.build(WebPushFixtures.item(keys: browser, push: push), now: now)
            XCTAssertEqual(
                header("Topic", in: built), expected, "collapse_id \(String(describing: collapseID))")
        }
    }

    func testAnOversizePayloadIsPermanentAndNeverSent() async throws {
        let sender = WebPushSender()
        let provider = try WebPushProvider(
            settings: WebPushFixtures.settings(keyFile: try temporaryFile(WebPushFixtures.vapidPEM)),
            timeout: .seconds(5), connectTimeout: .seconds(2), sender: sender.function)
        let big = WebPushFixtures.item(
            keys: UserAgent(), content: RenderedContent(title: String(repeating: "x", count: 4_000)))
        let results = await provider.send([big])
        guard case .failed(.permanent(let reply))? = results.first else { return XCTFail("\(results)") }
        XCTAssertEqual(reply.code, "payload_too_large")
        XCTAssertTrue(reply.text.contains("3993"), reply.text)
        XCTAssertTrue(sender.sent.isEmpty, "the sender saw nothing")

        // Just at the limit still goes: {"title":"…"} is 12 bytes of framing.
        let fits = WebPushFixtures.item(
            keys: UserAgent(), content: RenderedContent(title: String(repeating: "x", count: 3_981)))
        let sent = await provider.send([fits])
        XCTAssertEqual(sent, [.accepted(providerID: nil, reply: Reply(code: "201", text: "Created"))])
        XCTAssertEqual(sender.sent.first?.first?.body.count, 4_096)
    }

    func testADisallowedEndpointIsNeverSent() async throws {
        let sender = WebPushSender()
        let provider = try WebPushProvider(
            settings: WebPushFixtures.settings(keyFile: try temporaryFile(WebPushFixtures.vapidPEM)),
            timeout: .seconds(5), connectTimeout: .seconds(2), sender: sender.function)
        let browser = UserAgent()
        for endpoint in [
            "https://evil.example/wp/1", "http://fcm.googleapis.com/fcm/send/x",
            "https://fcm.googleapis.com:8443/x",
        ] {
            let results = await provider.send([WebPushFixtures.item(endpoint: endpoint, keys: browser)])
            guard case .failed(.permanent(let reply))? = results.first else {
                return XCTFail("\(endpoint): \(results)")
            }
            XCTAssertEqual(reply.code, "endpoint")
            XCTAssertTrue(reply.text.contains("allowed_origins"), reply.text)
        }
        XCTAssertTrue(sender.sent.isEmpty)
    }

    func testBadSubscriptionKeysArePermanentAndNotSent() async throws {
        let sender = WebPushSender()
        let provider = try WebPushProvider(
            settings: WebPushFixtures.settings(keyFile: try temporaryFile(WebPushFixtures.vapidPEM)),
            timeout: .seconds(5), connectTimeout: .seconds(2), sender: sender.function)
        var item = WebPushFixtures.item(keys: UserAgent())
        // 65 bytes starting 0x04 but not a point on P-256.
        item.device.keys?["p256dh"] = Base64.encode(
            [4] + [UInt8](repeating: 7, count: 64), urlSafe: true, padded: false)
        let results = await provider.send([item])
        guard case .failed(.permanent(let reply))? = results.first else { return XCTFail("\(results)") }
        XCTAssertEqual(reply.code, "invalid_public_key")
        XCTAssertTrue(sender.sent.isEmpty)
    }
}
