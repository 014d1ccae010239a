import CryptoTestSupport
import Foundation
import HeraldCrypto
import HeraldPluginAPI
import Logging
import XCTest

@testable import EmailPlugin

/// `bounce_webhooks = { … }`: absent is nil, each provider's keys are read with their defaults, and every mistake
/// (unknown key, bad public key, missing key file, no topic list) is a ConfigError naming the key.
final class BounceWebhookSettingsTests: XCTestCase {
    let sendGridKey = Base64.encode(TestKeyPair.p256().subjectPublicKeyInfo)
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "herald-hooks-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "mailgun-key\n".write(toFile: directory + "/mailgun.key", atomically: true, encoding: .utf8)
        try "pm-pass\n".write(toFile: directory + "/postmark.pass", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\n".write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        let path = directory
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    }

    func settings(_ hooks: [String: ConfigValue]?) throws -> BounceWebhookSettings? {
        let context = PluginContext(channel: "email", logger: Logger(label: "test"), baseDirectory: directory)
        let values: [String: ConfigValue] = hooks.map { ["bounce_webhooks": .table($0)] } ?? [:]
        return try BounceWebhookSettings(config: PluginConfig(values: values, scope: "channel \"email\""), context: context)
    }

    func testAbsentIsNil() throws {
        XCTAssertNil(try settings(nil))
    }

    func testEveryProvider() throws {
        let parsed = try XCTUnwrap(try settings([
            "ses": .table([
                "topic_arns": .array([.string(WebhookFixtures.topic)]), "cert_hosts": .array([.string("127.0.0.1")]),
                "ca_file": .string("ca.pem"),
            ]),
            "sendgrid": .table(["public_key": .string(sendGridKey), "max_age": .string("5m")]),
            "mailgun": .table(["signing_key_file": .string("mailgun.key")]),
            "postmark": .table(["username": .string("herald"), "password_file": .string("postmark.pass")]),
        ]))
        XCTAssertEqual(parsed.ses?.topicARNs, [WebhookFixtures.topic])
        XCTAssertEqual(parsed.ses?.urlRule, .exact(["127.0.0.1"]))
        XCTAssertEqual(parsed.ses?.caFile, directory + "/ca.pem")
        XCTAssertEqual(parsed.sendgrid?.maxAge, .seconds(300))
        XCTAssertEqual(parsed.mailgun?.signingKey, Array("mailgun-key".utf8), "the file's text, trimmed")
        XCTAssertEqual(parsed.mailgun?.maxAge, .seconds(600))
        XCTAssertEqual(parsed.postmark?.username, "herald")
        XCTAssertEqual(parsed.postmark?.password, "pm-pass")
    }

    func testDefaults() throws {
        let parsed = try XCTUnwrap(try settings([
            "ses": .table(["topic_arns": .array([.string(WebhookFixtures.topic)])]),
            "sendgrid": .table(["public_key": .string(sendGridKey)]),
        ]))
        XCTAssertEqual(parsed.ses?.urlRule, .amazon)
        XCTAssertNil(parsed.ses?.caFile)
        XCTAssertEqual(parsed.sendgrid?.maxAge, .seconds(600))
        XCTAssertNil(parsed.mailgun)
        XCTAssertNil(parsed.postmark)
    }

    func testMistakesNameTheKey() {
        let topics: ConfigValue = .array([.string(WebhookFixtures.topic)])
        let cases: [([String: ConfigValue], String, String)] = [
            ([:], "bounce_webhooks", "names no provider"),
            (["sparkpost": .table([:])], "bounce_webhooks.sparkpost", "unknown key"),
            (["ses": .table(["topic_arns": topics, "cert_host": .array([])])], "bounce_webhooks.ses.cert_host", "unknown key"),
            (["ses": .table([:])], "bounce_webhooks.ses.topic_arns", "is required"),
            (["ses": .table(["topic_arns": .array([.string("ses-bounces")])])], "bounce_webhooks.ses.topic_arns", "arn:aws:sns:"),
            (["ses": .table(["topic_arns": topics, "cert_hosts": .array([.string("https://127.0.0.1")])])], "bounce_webhooks.ses.cert_hosts", "without scheme"),
            (["ses": .table(["topic_arns": topics, "ca_file": .string("missing.pem")])], "bounce_webhooks.ses.ca_file", "cannot read"),
            (["sendgrid": .table([:])], "bounce_webhooks.sendgrid.public_key", "is required"),
            (["sendgrid": .table(["public_key": .string("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")])], "bounce_webhooks.sendgrid.public_key", "Verification Key"),
            (["sendgrid": .table(["public_key": .string(sendGridKey), "max_age": .string("1s")])], "bounce_webhooks.sendgrid.max_age", "out of range"),
            (["mailgun": .table([:])], "bounce_webhooks.mailgun.signing_key_file", "is required"),
            (["mailgun": .table(["signing_key_file": .string("nope.key")])], "bounce_webhooks.mailgun.signing_key_file", "cannot read"),
            (["postmark": .table(["password_file": .string("postmark.pass")])], "bounce_webhooks.postmark.username", "is required"),
            (["postmark": .table(["username": .string("herald")])], "bounce_webhooks.postmark.password_file", "is required"),
            (["postmark": .table(["username": .string("a:b"), "password": .string("x")])], "bounce_webhooks.postmark.username", "':'"),
        ]
        for (hooks, key, words) in cases {
            XCTAssertThrowsError(try settings(hooks), key) { error in
                guard let error = error as? ConfigError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.key, key, "\(error)")
                XCTAssertTrue(error.reason.contains(words), "\(error)")
            }
        }
    }
}
