import HeraldCrypto
import HeraldPluginAPI
import HeraldPluginTesting
import Logging
import XCTest

@testable import EmailPlugin

final class EmailPluginTests: XCTestCase {
    let context = PluginContext(channel: "email", logger: Logger(label: "test"), baseDirectory: "/tmp")

    func testSampleConfigIsValid() throws {
        let values = try SampleConfig.channelValues(path: #filePath, sample: "Plugins/Email/sample.toml")
        let plugin = try EmailPlugin(config: PluginConfig(values: values, scope: "channel \"email\""), context: context)
        XCTAssertEqual(plugin.config.url, "smtp://127.0.0.1:587/mail.shop.example")
        XCTAssertEqual(plugin.config.loginOptions, nil)
        XCTAssertEqual(plugin.config.returnPath, "bounces@shop.example")
        XCTAssertNotNil(plugin.config.unsubscribe)
    }

    func testConfigErrorsNameTheKey() {
        let base: [String: ConfigValue] = ["url": .string("smtp://127.0.0.1:25"), "from": .string("News <n@shop.example>")]
        let bad: [([String: ConfigValue], String)] = [
            (["url": .string("http://relay:25")], "url"),
            (["url": .string("smtp://user@relay:25")], "url"),
            (["from": .string("not an address")], "from"),
            (["starttls": .string("maybe")], "starttls"),
            (["url": .string("smtps://relay:465"), "starttls": .string("none")], "starttls"),
            (["url": .string("smtp://relay.example:25"), "starttls": .string("none"), "username": .string("u"), "password": .string("p")], "starttls"),
            (["username": .string("u")], "password_file"),
            (["auth": .string("cram-md5")], "auth"),
            (["unsubscribe_url": .string("http://shop.example/u"), "unsubscribe_secret": .string("0123456789abcdef")], "unsubscribe_url"),
            (["unsubscribe_url": .string("https://shop.example/u")], "unsubscribe_secret_file"),
            (["unsubscribe_url": .string("https://shop.example/u"), "unsubscribe_secret": .string("short")], "unsubscribe_secret_file"),
            (["dkim": .table(["domain": .string("shop.example"), "selector": .string("s1")])], "dkim"),
            (["dkim": .table(["domain": .string("shop.example"), "selector": .string("s1"), "key_file": .string("/nonexistent.pem")])], "dkim"),
            (["colour": .string("blue")], "colour"),
        ]
        for (override, key) in bad {
            let values = base.merging(override) { $1 }
            XCTAssertThrowsError(try EmailConfig(PluginConfig(values: values, scope: "channel \"email\""), context: context)) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(override): \(error)")
            }
        }
    }

    func testConformance() async throws {
        // The aiosmtpd peer accepts every recipient but rNNN@…: delivered, recipient invalid (550 5.1.1), delivered.
        let directory = NSTemporaryDirectory() + "herald-smtp-conformance-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let peer = try PeerProcess(script: "smtp_server.py", arguments: ["--dir", directory, "--lifetime", "120"])
        let plugin = try EmailPlugin(
            config: PluginConfig(
                values: ["url": .string("smtp://127.0.0.1:\(peer.port)"), "from": .string("n@shop.example"),
                         "starttls": .string("none")], scope: "channel \"email\""), context: context)
        var bounced = PluginConformance.sampleDelivery(id: "c1")
        bounced.recipient.email = "r550@example.com"
        let problems = await PluginConformance.check(
            plugin,
            cases: [
                .init(PluginConformance.sampleDelivery(id: "c0"), expect: "delivered"),
                .init(bounced, expect: "recipient_invalid"),
                .init(PluginConformance.sampleDelivery(id: "c2"), expect: "delivered"),
            ])
        XCTAssertEqual(problems, [])
    }

    func testACancelledBatchDoesNotWaitForTimeouts() async throws {
        let silent = try XCTUnwrap(SilentPeer())
        let plugin = try EmailPlugin(
            config: PluginConfig(
                values: ["url": .string("smtp://127.0.0.1:\(silent.port)"), "from": .string("n@shop.example"),
                         "starttls": .string("none"), "timeout": .string("10m")], scope: "channel \"email\""),
            context: context)
        let problems = await PluginConformance.checkCancellation(
            plugin, sample: (1...3).map { PluginConformance.sampleDelivery(id: "k\($0)") })
        XCTAssertEqual(problems, [])
    }

    func testRequestCarriesEnvelopeSignatureAndUnsubscribe() throws {
        let config = try EmailConfig(
            PluginConfig(
                values: ["url": .string("smtp://127.0.0.1:25"), "from": .string("News <n@shop.example>"), "starttls": .string("none"),
                         "return_path": .string("bounce@shop.example"), "unsubscribe_url": .string("https://shop.example/u/"),
                         "unsubscribe_secret": .string("0123456789abcdef0123")], scope: "channel \"email\""), context: context)
        var delivery = PluginConformance.sampleDelivery(channel: "email")
        delivery.metadata.headers = ["X-Campaign": "welcome"]
        let request = try EmailRequest.build(delivery, config: config, now: 1_795_428_001_000)
        XCTAssertEqual(request.mailFrom, "bounce@shop.example")
        XCTAssertEqual(request.recipient, "ana@example.com")
        let text = String(decoding: request.message, as: UTF8.self)
        XCTAssertTrue(text.contains("List-Unsubscribe: <https://shop.example/u/v1."), text)
        XCTAssertTrue(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        XCTAssertTrue(text.contains("X-Campaign: welcome\r\n"))
        let again = try EmailRequest.build(delivery, config: config, now: 1_795_428_999_000)
        let messageID = { (bytes: [UInt8]) in
            String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").first { $0.hasPrefix("Message-ID:") }
        }
        XCTAssertEqual(messageID(request.message), messageID(again.message), "a retry keeps its Message-ID")

        delivery.metadata.category = "transactional"
        let receipt = String(decoding: try EmailRequest.build(delivery, config: config, now: 0).message, as: UTF8.self)
        XCTAssertFalse(receipt.contains("List-Unsubscribe"))

        delivery.recipient.email = nil
        XCTAssertThrowsError(try EmailRequest.build(delivery, config: config, now: 0))
    }
}
