import CryptoTestSupport
import Foundation
import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport
import Synchronization
import XCTest

@testable import PushPlugin

/// The APNs side of the push channel: the provider token's life (never renewed younger than 20 minutes, renewed
/// at 50), the request's headers and payload, and what each answer means for the device.
final class APNsTests: XCTestCase {
    static let p8 = TestKeys.p256PKCS8
    let minute: Int64 = 60_000

    final class FakeClock: Sendable {
        let now = Atomic<Int64>(1_700_000_000_000)
        func advance(_ ms: Int64) { now.add(ms, ordering: .relaxed) }
        var read: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }
    }

    private func settings() throws -> APNsSettings {
        let directory = NSTemporaryDirectory() + "herald-apns-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        try Self.p8.write(toFile: directory + "/AuthKey.p8", atomically: true, encoding: .utf8)
        let config = PluginConfig(
            values: [
                "team_id": .string("ABCDE12345"), "key_id": .string("KEY1234567"), "key_file": .string("AuthKey.p8"),
                "topic": .string("com.example.shop"), "url": .string("https://127.0.0.1:8443/"),
            ], scope: "c")
        return try APNsSettings(config, context: PluginContext(channel: "push", logger: .init(label: "t"), baseDirectory: directory))
    }

    private func cache(_ clock: FakeClock) throws -> APNsTokenCache {
        APNsTokenCache(key: try P256SigningKey(pem: Self.p8), teamID: "ABCDE12345", keyID: "KEY1234567", clock: clock.read)
    }

    func testTheTokenChangesOnlyAfterFiftyMinutesAndNeverBeforeTwenty() throws {
        let clock = FakeClock()
        let tokens = try cache(clock)
        let first = tokens.authorization()
        XCTAssertTrue(first.header.hasPrefix("authorization: bearer ey"))
        for _ in 0..<49 {
            clock.advance(minute)
            XCTAssertEqual(tokens.authorization(), first, "renewed before 50 minutes")
        }
        clock.advance(minute)
        let second = tokens.authorization()
        XCTAssertNotEqual(second, first)
        // ExpiredProviderToken on a young token: kept, so APNs never sees two tokens within 20 minutes.
        clock.advance(19 * minute)
        XCTAssertFalse(tokens.expired(second))
        XCTAssertEqual(tokens.authorization(), second)
        clock.advance(minute)
        XCTAssertFalse(tokens.expired(first), "a token no longer in use changes nothing")
        XCTAssertTrue(tokens.expired(second))
        XCTAssertNotEqual(tokens.authorization(), second)
    }

    func testTheTokenClaimsAreTeamKeyAndIssueTime() throws {
        let clock = FakeClock()
        let jwt = String(try cache(clock).authorization().header.dropFirst("authorization: bearer ".count))
        let parts = jwt.split(separator: ".").map { Base64.decode(String($0)) ?? [] }
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(String(decoding: parts[0], as: UTF8.self), #"{"alg":"ES256","kid":"KEY1234567"}"#)
        XCTAssertEqual(String(decoding: parts[1], as: UTF8.self), #"{"iss":"ABCDE12345","iat":1700000000}"#)
        XCTAssertEqual(parts[2].count, 64, "raw R||S")
    }

    private func item(id: String = "m1", priority: String = "normal", push: [String: JSONValue] = [:], expiresAt: Int64? = nil)
        -> PushItem
    {
        let delivery = Delivery(
            id: id, attempt: 1, channel: "push",
            recipient: Recipient(push: [PushDevice(platform: "apns", token: "aabb")]),
            content: RenderedContent(title: "Back in stock", body: "Your size is here", url: "https://shop.example/p/1"),
            metadata: MessageMetadata(priority: priority, expiresAt: expiresAt), fields: push.isEmpty ? [:] : ["push": .object(push)])
        return PushItem(delivery: delivery, device: PushDevice(platform: "apns", token: "aabb"), notification: PushNotification(delivery))
    }

    private func headers(_ request: HTTPRequest) -> [String: String] {
        Dictionary(
            request.headers.map { line in
                let parts = line.split(separator: ":", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
            }, uniquingKeysWith: { first, _ in first })
    }

    func testTheRequestCarriesTopicTypePriorityExpiryAndAStableID() throws {
        let settings = try settings()
        let request = try APNsRequest.build(
            item(priority: "high", push: ["collapse_id": .string("cart"), "badge": .int(2), "custom": .object(["deeplink": .string("app://p/1")])],
                 expiresAt: 1_800_000_000_500),
            token: "aabb", settings: settings, authorization: "authorization: bearer x", timeout: .seconds(5),
            connectTimeout: .seconds(5))
        XCTAssertEqual(request.url, "https://127.0.0.1:8443/3/device/aabb")
        let fields = headers(request)
        XCTAssertEqual(fields["apns-topic"], "com.example.shop")
        XCTAssertEqual(fields["apns-push-type"], "alert")
        XCTAssertEqual(fields["apns-priority"], "10")
        XCTAssertEqual(fields["apns-expiration"], "1800000000")
        XCTAssertEqual(fields["apns-collapse-id"], "cart")
        let id = try XCTUnwrap(fields["apns-id"])
        XCTAssertEqual(id, APNsRequest.apnsID("m1"), "the same on every attempt")
        // SHA-256("m1"), first 16 bytes, version 8 and the RFC 9562 variant, as Python's hashlib gives it.
        XCTAssertEqual(id, "ca0df2c9-5aa1-84c1-90ff-2ff3c8f967fd")
        XCTAssertNotEqual(id, APNsRequest.apnsID("m2"))
        XCTAssertNotNil(id.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression))
        let payload = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
        let aps = payload?["aps"] as? [String: Any]
        XCTAssertEqual((aps?["alert"] as? [String: String])?["title"], "Back in stock")
        XCTAssertEqual(aps?["badge"] as? Int, 2)
        XCTAssertEqual(payload?["deeplink"] as? String, "app://p/1")
        XCTAssertEqual(payload?["url"] as? String, "https://shop.example/p/1")
    }

    func testBackgroundPushesGoAtPriorityFiveAndOversizeIsRefused() throws {
        let settings = try settings()
        let quiet = try APNsRequest.build(
            item(priority: "high", push: ["content_available": .bool(true)]), token: "aabb", settings: settings,
            authorization: "authorization: bearer x", timeout: .seconds(5), connectTimeout: .seconds(5))
        XCTAssertEqual(headers(quiet)["apns-push-type"], "background")
        XCTAssertEqual(headers(quiet)["apns-priority"], "5")
        XCTAssertNil(headers(quiet)["apns-expiration"])
        XCTAssertTrue(String(decoding: quiet.body, as: UTF8.self).contains(#""content-available":1"#))
        let big = item(push: ["custom": .object(["blob": .string(String(repeating: "x", count: 4100))])])
        XCTAssertThrowsError(
            try APNsRequest.build(big, token: "aabb", settings: settings, authorization: "a: b", timeout: .seconds(5), connectTimeout: .seconds(5)))
    }

    func testEveryAnswerMapsToItsDeviceResult() {
        func answer(_ status: Int, _ reason: String? = nil, retryAfter: Duration? = nil) -> APNsClassifier.Verdict {
            let body = reason.map { Array(#"{"reason":"\#($0)"}"#.utf8) } ?? []
            return APNsClassifier.classify(.success(HTTPResponse(status: status, headers: ["apns-id": "id-1"], body: body, retryAfter: retryAfter)))
        }
        XCTAssertEqual(answer(200), .result(.accepted(providerID: "id-1", reply: Reply(code: "200", text: ""))))
        for (status, reason) in [(410, "Unregistered"), (400, "BadDeviceToken"), (400, "DeviceTokenNotForTopic"), (410, "ExpiredToken")] {
            XCTAssertEqual(answer(status, reason), .result(.dead(reply: Reply(code: "\(status)", text: reason))), reason)
        }
        XCTAssertEqual(answer(403, "ExpiredProviderToken"), .providerTokenExpired(Reply(code: "403", text: "ExpiredProviderToken")))
        for reason in ["InvalidProviderToken", "Forbidden"] {
            XCTAssertEqual(answer(403, reason), .result(.failed(.credentialsInvalid(reply: Reply(code: "403", text: reason)))))
        }
        XCTAssertEqual(answer(413, "PayloadTooLarge"), .result(.failed(.permanent(reply: Reply(code: "413", text: "PayloadTooLarge")))))
        XCTAssertEqual(answer(400, "BadCollapseId"), .result(.failed(.permanent(reply: Reply(code: "400", text: "BadCollapseId")))))
        XCTAssertEqual(
            answer(429, "TooManyRequests", retryAfter: .seconds(3)),
            .result(.failed(.throttled(reply: Reply(code: "429", text: "TooManyRequests"), retryAfter: .seconds(3)))))
        for status in [500, 503] {
            XCTAssertEqual(answer(status, "ServiceUnavailable"), .result(.failed(.transient(reply: Reply(code: "\(status)", text: "ServiceUnavailable"), retryAfter: nil))))
        }
        XCTAssertEqual(
            APNsClassifier.classify(.failure(TransportError(curlCode: 7, message: "Couldn't connect"))),
            .result(.failed(.transient(reply: Reply(code: "curl:7", text: "Couldn't connect"), retryAfter: nil))))
        XCTAssertEqual(
            APNsClassifier.classify(.failure(TransportError(curlCode: 60, message: "certificate"))),
            .result(.failed(.credentialsInvalid(reply: Reply(code: "curl:60", text: "certificate")))))
    }

    func testAnExpiredProviderTokenIsRetriedAtOnceWithoutRenewingAYoungToken() async throws {
        let clock = FakeClock()
        let sent = Mutex<[[String]]>([])
        let provider = try APNsProvider(
            settings: try settings(), timeout: .seconds(5), connectTimeout: .seconds(5), clock: clock.read,
            send: { requests in
                sent.withLock { $0.append(requests.map(\.headers[0])) }
                return requests.map { _ in .success(HTTPResponse(status: 403, body: Array(#"{"reason":"ExpiredProviderToken"}"#.utf8))) }
            })
        let first = await provider.send([item()])
        XCTAssertEqual(first, [.failed(.transient(reply: Reply(code: "403", text: "ExpiredProviderToken"), retryAfter: .zero))])
        _ = await provider.send([item()])
        clock.advance(21 * minute)
        _ = await provider.send([item()])
        _ = await provider.send([item()])
        let tokens = sent.withLock { $0.map { $0[0] } }
        XCTAssertEqual(tokens[0], tokens[1], "a token younger than 20 minutes is kept")
        XCTAssertEqual(tokens[1], tokens[2], "renewal waits for the next answer after 20 minutes")
        XCTAssertNotEqual(tokens[2], tokens[3])
    }

    func testAColdConnectionCarriesTheFirstRequestAlone() async throws {
        let calls = Mutex<[Int]>([])
        let provider = try APNsProvider(
            settings: try settings(), timeout: .seconds(5), connectTimeout: .seconds(5),
            send: { requests in
                calls.withLock { $0.append(requests.count) }
                return requests.map { _ in .success(HTTPResponse(status: 200)) }
            })
        _ = await provider.send((0..<5).map { item(id: "m\($0)") })
        _ = await provider.send((0..<5).map { item(id: "n\($0)") })
        XCTAssertEqual(calls.withLock { $0 }, [1, 4, 5])
    }
}
