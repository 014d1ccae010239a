import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// `dedup_window` and `[stats] retain`: defaults, bounds, and errors that name the key.
final class RetentionConfigTests: XCTestCase {
    let channel = "[[channel]]\nname = \"email\"\nplugin = \"file\"\n"

    func testDefaults() throws {
        let config = try ConfigLoader.parse(text: channel, file: "h.toml")
        XCTAssertEqual(config.retention.dedupWindow, .seconds(7 * 86_400))
        XCTAssertEqual(config.retention.statsRetain, .seconds(400 * 86_400))
    }

    func testValues() throws {
        let config = try ConfigLoader.parse(text: "dedup_window = \"30s\"\n[stats]\nretain = \"90d\"\n" + channel, file: "h.toml")
        XCTAssertEqual(config.retention.dedupWindow, .seconds(30))
        XCTAssertEqual(config.retention.statsRetain, .seconds(90 * 86_400))
    }

    func testBoundsAndUnknownKeys() {
        let cases: [(String, String, Int)] = [
            ("dedup_window = \"5s\"\n", "dedup_window", 1),
            ("dedup_window = \"a week\"\n", "dedup_window", 1),
            ("[stats]\nretain = \"10m\"\n", "retain", 2),
            ("[stats]\nkeep = \"1d\"\n", "keep", 2),
        ]
        for (text, key, line) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(text: text + channel, file: "h.toml"), text) { error in
                guard let error = error as? ConfigError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.key, key, "\(error)")
                XCTAssertEqual(error.line, line, "\(error)")
            }
        }
    }
}
