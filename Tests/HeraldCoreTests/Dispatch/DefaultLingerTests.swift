import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// A plugin may declare the linger its channels get when they set none; the channel's own key wins.
final class DefaultLingerTests: XCTestCase {
    func testThePluginsDefaultLingerAppliesAndLiftsTheBatchAboveConcurrency() throws {
        let config = try ConfigLoader.parse(
            text: "spool = \"/tmp/s\"\n[[channel]]\nname = \"a\"\nplugin = \"fake\"\nconcurrency = 2\n"
                + "[[channel]]\nname = \"b\"\nplugin = \"fake\"\nconcurrency = 2\nbatch_linger = \"5s\"\n",
            file: "herald.toml")
        let clock = FakeClock()
        let plugin = FakePlugin(clock: clock, maxBatch: 500, defaultBatchLinger: .seconds(30))
        let a = ChannelRuntime(config: config.channels[0], plugin: plugin)
        let b = ChannelRuntime(config: config.channels[1], plugin: plugin)
        XCTAssertEqual(a.batchLinger, .seconds(30))
        XCTAssertEqual(a.batch, 500, "not clamped to concurrency 2")
        XCTAssertEqual(b.batchLinger, .seconds(5))
        let plain = ChannelRuntime(config: config.channels[0], plugin: FakePlugin(clock: clock, maxBatch: 500))
        XCTAssertNil(plain.batchLinger)
        XCTAssertEqual(plain.batch, 2)
    }
}
