import Foundation
import HeraldPluginAPI
import HeraldPluginTesting
import Logging
import XCTest

@testable import PushPlugin

/// The README's sample builds the plugin (STYLE 5), with test keys under the names it uses; a broken key file is
/// refused naming the key and the file.
final class PushSampleTests: XCTestCase {
    private func keyDirectory(vapid: String = APNsTests.p8) throws -> String {
        let directory = NSTemporaryDirectory() + "herald-push-sample-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        try APNsTests.p8.write(toFile: directory + "/AuthKey_KEY1234567.p8", atomically: true, encoding: .utf8)
        try vapid.write(toFile: directory + "/vapid.pem", atomically: true, encoding: .utf8)
        try Data(FCMFixtures.serviceAccountJSON()).write(to: URL(fileURLWithPath: directory + "/firebase-service-account.json"))
        return directory
    }

    func testTheSampleBuildsThePluginWithAllThreeServices() throws {
        let values = try SampleConfig.channelValues(path: #filePath, sample: "Plugins/Push/sample.toml")
        let context = PluginContext(channel: "push", logger: Logger(label: "t"), baseDirectory: try keyDirectory())
        let plugin = try PushPlugin(config: PluginConfig(values: values, scope: "channel \"push\""), context: context)
        XCTAssertEqual(plugin.config.platforms, ["apns", "fcm", "web"])
    }

    func testABrokenKeyFileIsNamed() throws {
        let values = try SampleConfig.channelValues(path: #filePath, sample: "Plugins/Push/sample.toml")
        let directory = try keyDirectory(vapid: "not a key")
        let context = PluginContext(channel: "push", logger: Logger(label: "t"), baseDirectory: directory)
        XCTAssertThrowsError(try PushPlugin(config: PluginConfig(values: values, scope: "channel \"push\""), context: context)) {
            let error = $0 as? ConfigError
            XCTAssertEqual(error?.key, "webpush.vapid_key_file")
            XCTAssertTrue(error?.reason.contains(directory + "/vapid.pem") ?? false, "\(String(describing: error))")
        }
    }
}
