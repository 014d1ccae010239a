import HeraldPluginAPI
import XCTest

@testable import PushPlugin

/// The messages:send request: URL, headers, and a body that parses back to the right message, with absent parts
/// left out, TTL from `expires_at`, data as strings, and an oversize payload refused before sending.
final class FCMRequestTests: XCTestCase {
    static let now: Int64 = 1_800_000_000_000
    let builder = FCMRequest(
        url: "https://fcm.googleapis.com", projectID: "shop-prod", timeout: .seconds(15), connectTimeout: .seconds(5),
        caFile: nil)

    static func item(
        token: String = "fGx:APA91b-x_y",
        content: RenderedContent = RenderedContent(title: "Diskaun 20%", body: "Back in stock"),
        priority: String = "normal", expiresAt: Int64? = nil, push: JSONValue? = nil
    ) -> PushItem {
        let delivery = Delivery(
            id: "m1", attempt: 1, channel: "push",
            recipient: Recipient(push: [PushDevice(platform: "fcm", token: token)]),
            content: content, metadata: MessageMetadata(priority: priority, expiresAt: expiresAt),
            fields: push.map { ["push": $0] } ?? [:])
        return PushItem(
            delivery: delivery, device: PushDevice(platform: "fcm", token: token),
            notification: PushNotification(delivery))
    }

    private func message(_ item: PushItem) throws -> [String: JSONValue] {
        guard case .ready(let body) = builder.body(item, nowMillis: Self.now) else {
            XCTFail("refused")
            return [:]
        }
        guard case .object(let message)? = FCMFixtures.json(body)["message"] else {
            XCTFail("no message in \(String(decoding: body, as: UTF8.self))")
            return [:]
        }
        return message
    }

    func testTheRequestLineAndHeaders() {
        let request = builder.request(body: Array("{}".utf8), accessToken: "ya29.abc")
        XCTAssertEqual(request.url, "https://fcm.googleapis.com/v1/projects/shop-prod/messages:send")
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.fcmHeader("Authorization"), "Bearer ya29.abc")
        XCTAssertEqual(request.fcmHeader("Content-Type"), "application/json; charset=UTF-8")
        XCTAssertEqual(request.timeout, .seconds(15))
    }

    func testAPlainNotificationHasOnlyWhatIsSet() throws {
        let message = try message(Self.item())
        XCTAssertEqual(
            message,
            [
                "token": .string("fGx:APA91b-x_y"),
                "notification": .object(["title": .string("Diskaun 20%"), "body": .string("Back in stock")]),
                "android": .object(["priority": .string("NORMAL")]),
                "apns": .object([
                    "headers": .object(["apns-priority": .string("5"), "apns-push-type": .string("alert")])
                ]),
                "webpush": .object(["headers": .object(["Urgency": .string("normal")])]),
            ])
    }

    func testEveryPartWhenEverythingIsSet() throws {
        let push: JSONValue = .object([
            "badge": .int(3), "sound": .string("default"), "image": .string("https://cdn.shop.example/i.png"),
            "collapse_id": .string("cart"), "thread_id": .string("orders"),
            "custom": .object(["deeplink": .string("app://cart"), "count": .string("12")]),
        ])
        let item = Self.item(
            content: RenderedContent(title: "Hi", body: "B", url: "https://shop.example/cart"), priority: "high",
            expiresAt: Self.now + 86_400_000, push: push)
        let message = try message(item)
        XCTAssertEqual(
            message["notification"],
            .object(["title": .string("Hi"), "body": .string("B"), "image": .string("https://cdn.shop.example/i.png")]))
        XCTAssertEqual(
            message["data"],
            .object([
                "deeplink": .string("app://cart"), "count": .string("12"), "url": .string("https://shop.example/cart"),
            ]))
        XCTAssertEqual(
            message["android"],
            .object(["priority": .string("HIGH"), "ttl": .string("86400s"), "collapse_key": .string("cart")]))
        XCTAssertEqual(
            message["apns"],
            .object([
                "headers": .object([
                    "apns-priority": .string("10"), "apns-push-type": .string("alert"),
                    "apns-collapse-id": .string("cart"),
                    "apns-expiration": .string("1800086400"),
                ]),
                "payload": .object([
                    "aps": .object(["sound": .string("default"), "badge": .int(3), "thread-id": .string("orders")])
                ]),
            ]))
        XCTAssertEqual(
            message["webpush"],
            .object([
                "headers": .object(["TTL": .string("86400"), "Urgency": .string("high")]),
                "fcm_options": .object(["link": .string("https://shop.example/cart")]),
            ]))
        // Data values are strings, every one.
        guard case .object(let data)? = message["data"] else { return XCTFail() }
        for (key, value) in data {
            guard case .string = value else { return XCTFail("data.\(key) is \(value)") }
        }
    }

    func testABackgroundPushShowsNothingAndIsNormalPriority() throws {
        let item = Self.item(priority: "high", push: .object(["content_available": .bool(true)]))
        let message = try message(item)
        XCTAssertNil(message["notification"])
        XCTAssertEqual(message["android"], .object(["priority": .string("NORMAL")]))
        XCTAssertEqual(
            message["apns"],
            .object([
                "headers": .object(["apns-priority": .string("5"), "apns-push-type": .string("background")]),
                "payload": .object(["aps": .object(["content-available": .int(1)])]),
            ]))
    }

    func testALinkThatIsNotHTTPSGoesInDataOnly() throws {
        let message = try message(Self.item(content: RenderedContent(title: "t", url: "app://offer/9")))
        XCTAssertEqual(message["data"], .object(["url": .string("app://offer/9")]))
        XCTAssertEqual(message["webpush"], .object(["headers": .object(["Urgency": .string("normal")])]))
    }

    func testTheTTLIsRoundedUpNeverZeroAndCapped() {
        XCTAssertEqual(FCMRequest.ttlSeconds(expiresAt: Self.now + 1_500, nowMillis: Self.now), 2)
        XCTAssertEqual(FCMRequest.ttlSeconds(expiresAt: Self.now + 1, nowMillis: Self.now), 1)
        XCTAssertEqual(FCMRequest.ttlSeconds(expiresAt: Self.now, nowMillis: Self.now), 1)
        XCTAssertEqual(FCMRequest.ttlSeconds(expiresAt: Self.now - 60_000, nowMillis: Self.now), 1)
        XCTAssertEqual(FCMRequest.ttlSeconds(expiresAt: Self.now + 90 * 86_400_000, nowMillis: Self.now), 2_419_200)
    }

    func testAnOversizePayloadIsPermanent() {
        let big = Self.item(content: RenderedContent(title: "t", body: String(repeating: "x", count: 4_100)))
        guard case .refused(.permanent(let reply)) = builder.body(big, nowMillis: Self.now) else {
            return XCTFail("an oversize message must be refused")
        }
        XCTAssertEqual(reply.code, "payload_too_large")
        XCTAssertTrue(reply.text.contains("4096"), reply.text)
        let custom = JSONValue.object(["custom": .object(["blob": .string(String(repeating: "y", count: 4_100))])])
        guard case .refused = builder.body(Self.item(push: custom), nowMillis: Self.now) else {
            return XCTFail("data counts too")
        }
        let fits = Self.item(content: RenderedContent(title: "t", body: String(repeating: "x", count: 3_900)))
        guard case .ready = builder.body(fits, nowMillis: Self.now) else { return XCTFail("3.9 kB fits") }
    }
}
