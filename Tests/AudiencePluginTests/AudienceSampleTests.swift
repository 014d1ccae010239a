import Foundation
import HeraldPluginAPI
import HeraldPluginTesting
import Logging
import XCTest

@testable import AudiencePlugin

/// The README's sample builds the plugin (STYLE 5), with the token file under the name it uses.
final class AudienceSampleTests: XCTestCase {
    func testTheSampleBuildsAMetaChannel() throws {
        let directory = NSTemporaryDirectory() + "herald-audience-sample-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        try "EAAB-token\n".write(toFile: directory + "/meta-token", atomically: true, encoding: .utf8)
        let values = try SampleConfig.channelValues(path: #filePath, sample: "Plugins/Audience/sample.toml")
        let context = PluginContext(channel: "social", logger: Logger(label: "t"), baseDirectory: directory)
        let plugin = try AudiencePlugin(config: PluginConfig(values: values, scope: "channel \"social\""), context: context)
        XCTAssertEqual(plugin.config.provider, .meta)
        XCTAssertEqual(plugin.config.meta?.accessToken, "EAAB-token")
        XCTAssertEqual(plugin.config.audiences["cart-abandoners"], "23850000000000")
        XCTAssertEqual(plugin.config.defaultCountry, "MY")
    }
}
