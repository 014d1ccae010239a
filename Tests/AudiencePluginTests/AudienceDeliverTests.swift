import Foundation
import HeraldPluginAPI
import HeraldTransport
import Logging
import Synchronization
import XCTest

@testable import AudiencePlugin

/// A plugin call becomes Meta or generic requests split by `max_rows` and `max_body`, hashed before they leave,
/// and each member's outcome comes from its own request's reply.
final class AudienceDeliverTests: XCTestCase {
    typealias Answer = @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError>

    final class Recording: Sendable {
        let requests = Mutex<[HTTPRequest]>([])
        let answer: Answer
        init(_ answer: @escaping Answer) { self.answer = answer }
        func send(_ batch: [HTTPRequest]) -> [Result<HTTPResponse, TransportError>] {
            requests.withLock { $0 += batch }
            return batch.map(answer)
        }
    }

    private func plugin(_ values: [String: ConfigValue], _ recording: Recording) throws -> AudiencePlugin {
        let base: [String: ConfigValue] = [
            "provider": .string("meta"), "access_token": .string("tok"), "url": .string("http://127.0.0.1:9"),
            "audiences": .table(["cart": .string("2385"), "vip": .string("9911")]), "default_country": .string("MY"),
        ]
        return try AudiencePlugin(
            config: PluginConfig(values: base.merging(values) { $1 }, scope: "channel \"social\""),
            context: PluginContext(channel: "social", logger: Logger(label: "t"), baseDirectory: "/"),
            send: { recording.send($0) })
    }

    private func delivery(_ id: String, email: String? = nil, phone: String? = nil, audience: String = "cart", action: String = "add")
        -> Delivery
    {
        Delivery(
            id: id, attempt: 1, channel: "social", recipient: Recipient(email: email, phone: phone, externalID: nil),
            content: RenderedContent(), metadata: MessageMetadata(),
            fields: ["audience": .object(["name": .string(audience), "action": .string(action)])])
    }

    private func payload(_ request: HTTPRequest) throws -> [String: Any] {
        let form = String(decoding: request.body, as: UTF8.self)
        XCTAssertTrue(form.hasPrefix("payload="))
        let json = try XCTUnwrap(String(form.dropFirst(8)).removingPercentEncoding)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    private static let ok: Answer = { _ in .success(HTTPResponse(status: 200, body: Array(#"{"num_received":1,"num_invalid_entries":0}"#.utf8))) }

    func testMetaRowsAreHashedAndGroupedByAudienceAndAction() async throws {
        let recording = Recording(Self.ok)
        let plugin = try plugin([:], recording)
        let outcomes = await plugin.deliver([
            delivery("a", email: " Aminah.Binti@Example.COM ", phone: "012-345 6789"),
            delivery("b", email: "bo@example.com", action: "remove"), delivery("c", phone: "+60 12 345 6789", audience: "vip"),
        ])
        XCTAssertEqual(outcomes.map(\.label), ["delivered", "delivered", "delivered"])
        let requests = recording.requests.withLock { $0 }
        XCTAssertEqual(requests.map(\.method).sorted(), ["DELETE", "POST", "POST"])
        let add = try XCTUnwrap(requests.first { $0.method == "POST" && $0.url.hasSuffix("/v25.0/2385/users") })
        XCTAssertTrue(add.headers.contains("Authorization: Bearer tok"))
        let body = try payload(add)
        XCTAssertEqual(body["schema"] as? [String], ["EMAIL", "PHONE"])
        XCTAssertEqual(
            body["data"] as? [[String]],
            [["16afb3ff18d530b4961b6ea492b213a2e2567a7bb310d77b6b09e3f6345f1f1d",
              "d78a684ac08e9e03856ded399b6f702c99c30d79f2afcf1850b3a3f8258b5cf4"]])
        let text = requests.map { String(decoding: $0.body, as: UTF8.self) }.joined()
        XCTAssertFalse(text.contains("aminah") || text.contains("example") || text.contains("%2B60"), "raw values on the wire")
    }

    func testRequestsSplitByRowsAndBytes() async throws {
        let recording = Recording(Self.ok)
        let rows = try plugin(["max_rows": .int(4), "max_body": .int(2048)], recording)
        let batch = (0..<30).map { delivery("m\($0)", email: "user\($0)@example.com") }
        let outcomes = await rows.deliver(batch)
        XCTAssertEqual(Set(outcomes.map(\.label)), ["delivered"])
        let requests = recording.requests.withLock { $0 }
        XCTAssertEqual(try requests.map { try (payload($0)["data"] as? [[String]])?.count ?? 0 }.reduce(0, +), 30)
        XCTAssertTrue(try requests.allSatisfy { try ((payload($0)["data"] as? [[String]])?.count ?? 0) <= 4 })
        XCTAssertTrue(requests.allSatisfy { $0.body.count <= 2048 })

        let bytes = Recording(Self.ok)
        let narrow = try plugin(["max_body": .int(1024)], bytes)
        _ = await narrow.deliver(batch)
        let sized = bytes.requests.withLock { $0 }
        XCTAssertGreaterThan(sized.count, 1)
        XCTAssertTrue(sized.allSatisfy { $0.body.count <= 1024 }, "\(sized.map(\.body.count))")
    }

    func testPartialInvalidRateLimitsAndCredentials() async throws {
        let badHash = "16afb3ff18d530b4961b6ea492b213a2e2567a7bb310d77b6b09e3f6345f1f1d"
        let partial = Recording { _ in
            .success(HTTPResponse(status: 200, body: Array(#"{"num_received":2,"num_invalid_entries":1,"invalid_entry_samples":{"\#(badHash)":"bad email"}}"#.utf8)))
        }
        let outcomes = await try plugin([:], partial).deliver([
            delivery("bad", email: "aminah.binti@example.com"), delivery("good", email: "ok@example.com"),
        ])
        XCTAssertEqual(outcomes.map(\.label), ["permanent", "delivered"])

        let usage = #"{"act_1":[{"type":"custom_audience","call_count":100,"estimated_time_to_regain_access":60}]}"#
        let limited = Recording { _ in
            .success(HTTPResponse(status: 400, headers: ["x-business-use-case-usage": usage],
                                  body: Array(#"{"error":{"message":"limit","code":80003}}"#.utf8)))
        }
        let throttled = await try plugin([:], limited).deliver([delivery("x", email: "a@example.com")])
        XCTAssertEqual(throttled, [.throttled(reply: Reply(code: "meta:80003", text: "limit"), retryAfter: .seconds(3600))])

        let expired = Recording { _ in
            .success(HTTPResponse(status: 401, body: Array(#"{"error":{"message":"expired","code":190,"error_subcode":463}}"#.utf8)))
        }
        let refused = await try plugin([:], expired).deliver([delivery("y", email: "a@example.com")])
        XCTAssertEqual(refused.map(\.label), ["credentials_invalid"])
        let down = Recording { _ in .success(HTTPResponse(status: 503, body: Array("busy".utf8))) }
        let busy = await try plugin([:], down).deliver([delivery("z", email: "a@example.com")])
        XCTAssertEqual(busy.map(\.label), ["transient"])
    }

    func testAMemberWithNothingToMatchFailsAloneAndAnUnknownAudienceToo() async throws {
        let recording = Recording(Self.ok)
        let outcomes = await try plugin([:], recording).deliver([
            delivery("none", phone: "12"), delivery("unknown", email: "a@example.com", audience: "nope"),
            delivery("fine", email: "a@example.com"),
        ])
        XCTAssertEqual(outcomes.map(\.label), ["permanent", "permanent", "delivered"])
        XCTAssertEqual(recording.requests.withLock { $0.count }, 1)
    }

    func testGenericRequestsAreSignedAndInvalidMembersFailByID() async throws {
        let recording = Recording { _ in .success(HTTPResponse(status: 200, body: Array(#"{"invalid":[{"id":"b","reason":"no match"}]}"#.utf8))) }
        let plugin = try plugin(
            ["provider": .string("generic"), "secret": .string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")], recording)
        let outcomes = await plugin.deliver([delivery("a", email: "a@example.com"), delivery("b", email: "b@example.com")])
        XCTAssertEqual(outcomes.map(\.label), ["delivered", "permanent"])
        let request = try XCTUnwrap(recording.requests.withLock { $0.first })
        XCTAssertEqual(request.url, "http://127.0.0.1:9")
        XCTAssertTrue(request.headers.contains { $0.hasPrefix("webhook-signature: v1,") })
        let body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        XCTAssertEqual(body["audience"] as? String, "2385")
        XCTAssertEqual((body["members"] as? [[String: Any]])?.count, 2)
    }

    func testConfigErrorsNameTheKey() {
        let cases: [([String: ConfigValue], String)] = [
            (["provider": .string("tiktok")], "provider"), (["audiences": .table([:])], "audiences"),
            (["default_country": .string("ZZ")], "default_country"), (["version": .string("25")], "version"),
            (["url": .string("ftp://x")], "url"), (["max_rows": .int(20_000)], "max_rows"),
        ]
        for (values, key) in cases {
            XCTAssertThrowsError(try plugin(values, Recording(Self.ok)), key) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key)
            }
        }
    }
}
