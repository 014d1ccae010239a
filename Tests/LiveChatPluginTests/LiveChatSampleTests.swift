import Foundation
import HeraldPluginAPI
import HeraldPluginTesting
import Logging
import XCTest

@testable import LiveChatPlugin

/// The README's sample builds the plugin (STYLE 5), with the secret file under the name it uses; bad keys are
/// refused with the key named.
final class LiveChatSampleTests: XCTestCase {
    func testTheSampleBuildsABuiltinChannel() throws {
        let directory = NSTemporaryDirectory() + "herald-chat-sample-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        try "a-visitor-secret-of-some-length\n".write(toFile: directory + "/chat-visitor-secret", atomically: true, encoding: .utf8)
        let values = try SampleConfig.channelValues(path: #filePath, sample: "Plugins/LiveChat/sample.toml")
        let context = PluginContext(channel: "chat", logger: Logger(label: "t"), baseDirectory: directory)
        let plugin = try LiveChatPlugin(config: PluginConfig(values: values, scope: "channel \"chat\""), context: context)
        XCTAssertEqual(plugin.config.provider, .builtin)
        XCTAssertEqual(plugin.config.allowedOrigins, ["https://shop.example"])
        XCTAssertEqual(plugin.config.maxStreams, 10_000)
        XCTAssertEqual(plugin.config.heartbeat, .seconds(15))
        XCTAssertFalse(plugin.config.demo)
        XCTAssertEqual(plugin.routes?.space, "chat")
        XCTAssertEqual(plugin.routes?.routes.map { "\($0.method.rawValue) \($0.path)" }.contains("GET v1/demo"), false)
    }

    func testBadKeysAreRefusedWithTheKeyNamed() {
        let context = PluginContext(channel: "chat", logger: Logger(label: "t"), baseDirectory: "/")
        let secret: [String: ConfigValue] = ["visitor_secret": .string("0123456789abcdef0123")]
        let cases: [([String: ConfigValue], String)] = [
            ([:], "visitor_secret_file"),
            (["visitor_secret": .string("short")], "visitor_secret"),
            (secret.merging(["provider": .string("zendesk")]) { $1 }, "provider"),
            (secret.merging(["allowed_origins": .array([.string("shop.example")])]) { $1 }, "allowed_origins"),
            (secret.merging(["max_streams": .int(0)]) { $1 }, "max_streams"),
            (secret.merging(["colour": .string("red")]) { $1 }, "colour"),
        ]
        for (values, key) in cases {
            XCTAssertThrowsError(try LiveChatPlugin(config: PluginConfig(values: values, scope: "channel \"chat\""), context: context)) {
                error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(values)")
            }
        }
    }
}
