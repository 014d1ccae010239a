import HeraldCrypto
import HeraldPluginAPI
import HeraldPluginTesting
import HeraldTransport
import Logging
import XCTest

@testable import WebhookPlugin

final class WebhookPluginTests: XCTestCase {
    let context = PluginContext(channel: "webhook", logger: Logger(label: "test"), baseDirectory: "/tmp")

    /// The config's `whsec_` text becomes the key of the Standard Webhooks reference vector (PROTOCOLS §5.3).
    func testSignatureMatchesReferenceVector() throws {
        let config = try WebhookConfig(
            PluginConfig(values: ["url": .string("https://x.example/"), "secret": .string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")],
                         scope: "channel \"webhook\""), context: context)
        let signer = StandardWebhookKey(bytes: try XCTUnwrap(config.secret))
        XCTAssertEqual(
            signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8)),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    func testClassifierTable() {
        func response(_ status: Int, retryAfter: Duration? = nil) -> Result<HTTPResponse, TransportError> {
            .success(HTTPResponse(status: status, body: Array("why\nmore".utf8), retryAfter: retryAfter))
        }
        let reply = { (code: String) in Reply(code: code, text: "why") }
        let rows: [(Result<HTTPResponse, TransportError>, Outcome)] = [
            (response(200), .delivered(providerID: nil, reply: reply("200"))),
            (response(204), .delivered(providerID: nil, reply: reply("204"))),
            (response(429, retryAfter: .seconds(2)), .throttled(reply: reply("429"), retryAfter: .seconds(2))),
            (response(503, retryAfter: .seconds(9)), .transient(reply: reply("503"), retryAfter: .seconds(9))),
            (response(500), .transient(reply: reply("500"), retryAfter: nil)),
            (response(408), .transient(reply: reply("408"), retryAfter: nil)),
            (response(401), .credentialsInvalid(reply: reply("401"))),
            (response(403), .credentialsInvalid(reply: reply("403"))),
            (response(410), .destinationGone(reply: reply("410"))),
            (response(400), .permanent(reply: reply("400"))),
            (response(301), .permanent(reply: reply("301"))),
            (.failure(TransportError(curlCode: 7, message: "refused")),
             .transient(reply: Reply(code: "curl:7", text: "refused"), retryAfter: nil)),
            (.failure(TransportError(curlCode: 60, message: "bad cert")),
             .credentialsInvalid(reply: Reply(code: "curl:60", text: "bad cert"))),
        ]
        for (input, expected) in rows { XCTAssertEqual(WebhookClassifier.classify(input), expected, "\(input)") }
    }

    func testRequestShapeAndEndpoints() throws {
        let config = try WebhookConfig(
            PluginConfig(values: ["url": .string("https://x.example/h"), "secret": .string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                                  "endpoints": .table(["loyalty": .string("https://l.example/")])], scope: "c"), context: context)
        var delivery = PluginConformance.sampleDelivery(id: "cart-1")
        let request = try WebhookRequest.build(delivery, config: config, signer: StandardWebhookKey(bytes: try XCTUnwrap(config.secret)), now: 1_795_428_001_234)
        XCTAssertEqual(request.url, "https://x.example/h")
        XCTAssertTrue(request.headers.contains("webhook-id: cart-1"))
        XCTAssertTrue(request.headers.contains("webhook-timestamp: 1795428001"))
        let body = try JSONParser.parse(request.body)
        guard case .object(let root) = body, case .object(let data)? = root["data"] else { return XCTFail("\(body)") }
        XCTAssertEqual(root["type"], .string("message.send"))
        XCTAssertEqual(root["timestamp"], .string("2026-11-23T10:00:01.234Z"))
        XCTAssertEqual(data["id"], .string("cart-1"))
        XCTAssertEqual(data["stage"], .string("activation"))
        delivery.metadata.endpoint = "loyalty"
        XCTAssertEqual(try WebhookRequest.build(delivery, config: config, signer: nil, now: 0).url, "https://l.example/")
        delivery.metadata.endpoint = "http://evil.example/"
        XCTAssertThrowsError(try WebhookRequest.build(delivery, config: config, signer: nil, now: 0))
    }

    func testConfigErrorsNameTheKey() {
        let cases: [([String: ConfigValue], String)] = [
            ([:], "url"),
            (["url": .string("ftp://x")], "url"),
            (["url": .string("https://x"), "secret": .string("whsec_c2hvcnQ=")], "secret"),
            (["url": .string("https://x"), "timeout": .string("forever")], "timeout"),
            (["url": .string("https://x"), "http": .string("3")], "http"),
            (["url": .string("https://x"), "colour": .string("red")], "colour"),
        ]
        for (values, key) in cases {
            XCTAssertThrowsError(try WebhookConfig(PluginConfig(values: values, scope: "c"), context: context)) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(error)")
            }
        }
    }

    func testSampleConfigBuildsThePlugin() throws {
        let values = try SampleConfig.channelValues(path: #filePath, sample: "Plugins/Webhook/sample.toml")
        let plugin = try WebhookPlugin(config: PluginConfig(values: values, scope: "sample"), context: context)
        XCTAssertEqual(plugin.config.endpoints["loyalty"], "https://loyalty.example.com/hook")
    }

    func testConformance() async throws {
        // The receiver peer verifies signatures and answers 400 for c-2 only: delivered, permanent, delivered.
        let directory = NSTemporaryDirectory() + "herald-webhook-conformance-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        try Data(#"{"ids": {"c-2": [400]}}"#.utf8).write(to: URL(fileURLWithPath: directory + "/plan.json"))
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let peer = try PeerProcess(
            script: "webhook_receiver.py",
            arguments: ["--secret", secret, "--plan", directory + "/plan.json", "--log", directory + "/requests.jsonl"])
        let plugin = try WebhookPlugin(
            config: PluginConfig(
                values: ["url": .string("http://127.0.0.1:\(peer.port)/hook"), "secret": .string(secret)], scope: "c"),
            context: context)
        let problems = await PluginConformance.check(
            plugin,
            cases: [
                .init(PluginConformance.sampleDelivery(id: "c-1"), expect: "delivered"),
                .init(PluginConformance.sampleDelivery(id: "c-2"), expect: "permanent"),
                .init(PluginConformance.sampleDelivery(id: "c-3"), expect: "delivered"),
            ])
        XCTAssertEqual(problems, [])
    }

    func testACancelledBatchDoesNotWaitForTimeouts() async throws {
        let silent = try XCTUnwrap(SilentPeer())
        let plugin = try WebhookPlugin(
            config: PluginConfig(
                values: ["url": .string("http://127.0.0.1:\(silent.port)/"), "timeout": .string("2m")], scope: "c"),
            context: context)
        let problems = await PluginConformance.checkCancellation(
            plugin, sample: (1...3).map { PluginConformance.sampleDelivery(id: "k-\($0)") })
        XCTAssertEqual(problems, [])
    }
}
