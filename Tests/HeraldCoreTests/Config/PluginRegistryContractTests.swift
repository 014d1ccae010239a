import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// A plugin's contract may depend on its channel's keys (the Web Push origins a channel allows): the registry asks
/// with each channel's config, without building the plugin, and two channels of one plugin get their own.
final class PluginRegistryContractTests: XCTestCase {
    struct OriginPlugin: ChannelPlugin {
        static let name = "origins"
        static var contract: ChannelContract { contract(allowing: []) }

        static func contract(for config: PluginConfig) -> ChannelContract {
            contract(allowing: (try? config.stringTable("allow").keys.sorted()) ?? [])
        }

        static func contract(allowing hosts: [String]) -> ChannelContract {
            ChannelContract(
                addressKind: "push_token",
                recipient: { recipient in
                    for (index, device) in (recipient.push ?? []).enumerated()
                    where !hosts.contains(where: { device.endpoint?.hasPrefix("https://\($0)/") ?? false }) {
                        return (".push[\(index)].endpoint", "must be on one of \(hosts)")
                    }
                    return nil
                })
        }

        init(config: PluginConfig, context: PluginContext) throws {}
        var limits: PluginLimits { PluginLimits() }
        func deliver(_ batch: [Delivery]) async -> [Outcome] {
            batch.map { _ in .permanent(reply: Reply(code: "test", text: "not a sender")) }
        }
    }

    func testEachChannelGetsTheContractOfItsOwnKeys() throws {
        let config = try ConfigLoader.parse(
            text: """
                [[channel]]
                name = "a"
                plugin = "origins"
                allow = { "a.example" = "yes" }

                [[channel]]
                name = "b"
                plugin = "origins"
                allow = { "b.example" = "yes" }
                """, file: "/tmp/herald.toml")
        let registry = PluginRegistry([OriginPlugin.self])
        let decoder = MessageDecoder(contracts: registry.contracts(config))
        func message(_ channel: String, _ host: String) -> [UInt8] {
            Array(
                #"{"channel":"\#(channel)","to":{"push":[{"platform":"web","endpoint":"https://\#(host)/s","keys":{"auth":"x"}}]},"content":{"text":"hi"}}"#
                    .utf8)
        }
        XCTAssertNoThrow(try decoder.decode(message("a", "a.example"), fileName: "m.json"))
        XCTAssertNoThrow(try decoder.decode(message("b", "b.example"), fileName: "m.json"))
        XCTAssertThrowsError(try decoder.decode(message("a", "b.example"), fileName: "m.json")) {
            XCTAssertEqual(($0 as? IntakeError)?.field, "to.push[0].endpoint")
        }
        // The daemon's runtime holds the same per-channel contract.
        let runtimes = try registry.instantiate(config, logger: .init(label: "test"))
        XCTAssertNotNil(runtimes.first { $0.name == "b" }?.contract.recipient?(
            Recipient(push: [PushDevice(platform: "web", endpoint: "https://a.example/s")])))
    }
}
