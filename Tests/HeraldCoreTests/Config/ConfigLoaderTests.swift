import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class ConfigLoaderTests: XCTestCase {
    let valid = """
        spool = "/tmp/spool"
        state = "state"

        [retry]
        min = "250ms"
        max = "5m"

        [[channel]]
        name = "email"
        plugin = "file"
        directory = "out"
        rate = "50/min"

        [[channel]]
        name = "webhook"
        plugin = "webhook"
        url = "https://example.com/h"
        concurrency = 8
        """

    func testParsesAndResolvesPaths() throws {
        let config = try ConfigLoader.parse(text: valid, file: "/etc/herald/herald.toml")
        XCTAssertEqual(config.spool, "/tmp/spool")
        XCTAssertEqual(config.state, "/etc/herald/state")
        XCTAssertEqual(config.retry.min, .milliseconds(250))
        XCTAssertEqual(config.retry.max, .seconds(300))
        XCTAssertEqual(config.retry.maxAge, .seconds(86_400))
        XCTAssertEqual(config.channels.map(\.name), ["email", "webhook"])
        XCTAssertEqual(config.channels[0].rate?.perSecond ?? 0, 50.0 / 60, accuracy: 1e-9)
        XCTAssertEqual(config.channels[1].concurrency, 8)
        XCTAssertEqual(config.channels[0].pluginConfig.values, ["directory": .string("out")])
    }

    /// Each mistake must name its line and key.
    func testErrorsNameLineAndKey() {
        let cases: [(String, String, Int?, String)] = [
            ("max = \"5m\"", "max = \"5 minutes\"", 6, "max"),
            ("rate = \"50/min\"", "rate = \"fast\"", 12, "rate"),
            ("concurrency = 8", "concurrency = 0", 18, "concurrency"),
            ("[retry]", "[retri]", nil, "retri"),
            ("url = \"https://example.com/h\"", "url = \"https://example.com/h\"\nuri = \"x\"", nil, "uri"),
            ("name = \"webhook\"", "name = \"email\"", 15, "name"),
            // The array runs on, so the parser stops on the next line.
            ("min = \"250ms\"", "min = [1", 6, "syntax"),
        ]
        for (old, new, line, key) in cases {
            let text = valid.replacingOccurrences(of: old, with: new)
            do {
                let config = try ConfigLoader.parse(text: text, file: "h.toml")
                if key == "uri" {
                    // Plugin keys are checked by the plugin, as `herald check` does.
                    XCTAssertEqual(config.channels[1].pluginConfig.values["uri"], .string("x"))
                    continue
                }
                XCTFail("accepted: \(new)")
            } catch {
                XCTAssertEqual(error.key, key, "\(error)")
                if let line { XCTAssertEqual(error.line, line, "\(error)") }
                XCTAssertTrue(error.description.hasPrefix("h.toml"), error.description)
            }
        }
    }

    func testRates() {
        XCTAssertEqual(Rate("200/s")?.perSecond, 200)
        XCTAssertEqual(Rate("3600/h")?.perSecond, 1)
        XCTAssertNil(Rate("0/s"))
        XCTAssertNil(Rate("10/fortnight"))
    }

    func testDurations() {
        XCTAssertEqual(DurationText.parse("250ms"), .milliseconds(250))
        XCTAssertEqual(DurationText.parse("1.5s"), .milliseconds(1500))
        XCTAssertEqual(DurationText.parse("2d"), .seconds(172_800))
        XCTAssertEqual(DurationText.parse("45"), .seconds(45))
        XCTAssertNil(DurationText.parse("-1s"))
        XCTAssertNil(DurationText.parse("soon"))
        XCTAssertEqual(DurationText.format(.seconds(3600)), "1h")
    }
}
