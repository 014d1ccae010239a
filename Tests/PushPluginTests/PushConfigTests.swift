import HeraldPluginAPI
import Logging
import XCTest

@testable import PushPlugin

/// The push channel's keys: each provider's table, errors that name `apns.team_id`, and the Web Push origins.
final class PushConfigTests: XCTestCase {
    private let context = PluginContext(channel: "push", logger: Logger(label: "test"), baseDirectory: "/etc/herald")

    private func config(_ values: [String: ConfigValue]) -> PluginConfig {
        PluginConfig(values: values, scope: "channel \"push\"", lines: ["apns": 7, "webpush": 9])
    }

    private let apns: [String: ConfigValue] = [
        "team_id": .string("ABCDE12345"), "key_id": .string("KEY1234567"), "key_file": .string("AuthKey.p8"),
        "topic": .string("com.example.shop"),
    ]

    func testProvidersAndDefaults() throws {
        let parsed = try PushConfig(
            config([
                "apns": .table(apns),
                "webpush": .table(["vapid_key_file": .string("/k/vapid.pem"), "vapid_subject": .string("mailto:push@shop.example")]),
            ]), context: context)
        XCTAssertEqual(parsed.apns?.url, "https://api.push.apple.com")
        XCTAssertEqual(parsed.apns?.keyFile, "/etc/herald/AuthKey.p8")
        XCTAssertEqual(parsed.apns?.pushType, .alert)
        XCTAssertNil(parsed.fcm)
        XCTAssertEqual(parsed.webpush?.ttl, .seconds(86_400))
        XCTAssertEqual(parsed.platforms, ["apns", "web"])
        XCTAssertEqual(parsed.webpush?.origins.entries, WebPushOrigins.defaults)
    }

    func testErrorsNameTheNestedKey() {
        var bad = apns
        bad["team_id"] = .string("abc")
        let cases: [([String: ConfigValue], String)] = [
            (["apns": .table(bad)], "apns.team_id"),
            (["apns": .table(apns.merging(["push_type": .string("voip")]) { $1 })], "apns.push_type"),
            (["apns": .table(apns.merging(["url": .string("http://x")]) { $1 })], "apns.url"),
            (["apns": .table(apns.merging(["extra": .int(1)]) { $1 })], "apns.extra"),
            (["webpush": .table(["vapid_key_file": .string("k"), "vapid_subject": .string("mailto: <a@b.example>")])], "webpush.vapid_subject"),
            (["webpush": .table(["vapid_key_file": .string("k"), "vapid_subject": .string("https://shop.example"), "allowed_origins": .array([.string("http://evil")])])], "webpush.allowed_origins"),
            (["fcm": .table([:])], "fcm.service_account_file"),
            ([:], "apns"),
            (["apns": .string("x")], "apns"),
        ]
        for (values, key) in cases {
            XCTAssertThrowsError(try PushConfig(config(values), context: context), key) {
                XCTAssertEqual(($0 as? ConfigError)?.key, key, "\($0)")
            }
        }
    }

    func testOriginsAllowOnlyTheirServices() throws {
        let origins = try WebPushOrigins(WebPushOrigins.defaults + ["https://127.0.0.1:8443"])
        XCTAssertEqual(origins.origin(of: "https://fcm.googleapis.com/fcm/send/abc"), "https://fcm.googleapis.com")
        XCTAssertEqual(origins.origin(of: "https://wns2-db5p.notify.windows.com/w/?token=x"), "https://wns2-db5p.notify.windows.com")
        XCTAssertEqual(origins.origin(of: "https://127.0.0.1:8443/wp/1"), "https://127.0.0.1:8443")
        for endpoint in [
            "http://fcm.googleapis.com/x", "https://notify.windows.com/x", "https://fcm.googleapis.com.evil.example/x",
            "https://user@fcm.googleapis.com/x", "https://fcm.googleapis.com:8443/x", "https://127.0.0.1:9443/wp",
            "https://127.0.0.1/wp", "https://evil.example/fcm.googleapis.com",
        ] {
            XCTAssertNil(origins.origin(of: endpoint), endpoint)
        }
    }
}
