import HeraldPluginAPI
import HeraldPluginTesting
import Logging
import XCTest

@testable import EmailPlugin

/// The `verp` keys: a pattern with one {handle} before the @, a local part inside 64 octets with its handle, a
/// signing secret; and a send's handle that stays the same on every attempt and verifies under a rotated-out key.
final class VERPSettingsTests: XCTestCase {
    let base: [String: ConfigValue] = [
        "url": .string("smtp://127.0.0.1:25"), "from": .string("News <n@shop.example>"),
        "verp": .string("bounces+{handle}@bounce.shop.example"), "verp_secret": .string("verp-secret-0123456789abcdef"),
    ]

    private func config(_ values: [String: ConfigValue], records: (any PluginRecords)? = nil) throws -> EmailConfig {
        try EmailConfig(
            PluginConfig(values: values, scope: "channel \"email\""),
            context: PluginContext(channel: "email", logger: Logger(label: "t"), baseDirectory: "/tmp", records: records))
    }

    func testBadKeysNameTheKey() {
        let bad: [([String: ConfigValue], String)] = [
            (["verp": .string("bounces@bounce.shop.example")], "verp"),
            (["verp": .string("bounces@{handle}.shop.example")], "verp"),
            (["verp": .string("{handle}+{handle}@shop.example")], "verp"),
            (["verp": .string(String(repeating: "b", count: 40) + "+{handle}@shop.example")], "verp"),
            (["verp_secret": .string("short")], "verp_secret_file"),
            (["return_path": .string("b@shop.example")], "return_path"),
            (["bounce_window": .string("10s")], "bounce_window"),
        ]
        for (override, key) in bad {
            XCTAssertThrowsError(try config(base.merging(override) { $1 })) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(override): \(error)")
            }
        }
        var noVERP = base
        noVERP["verp"] = nil
        XCTAssertThrowsError(try config(noVERP)) { XCTAssertEqual(($0 as? ConfigError)?.key, "verp_secret") }
        noVERP["verp_secret"] = nil
        noVERP["bounce_maildir"] = .string("/var/spool/herald/bounces")
        XCTAssertThrowsError(try config(noVERP)) { XCTAssertEqual(($0 as? ConfigError)?.key, "bounce_maildir") }
    }

    func testTheHandleIsStableAcrossAttemptsAndFitsTheLocalPart() throws {
        let records = MemoryRecords()
        let plugin = try EmailPlugin(
            config: PluginConfig(values: base, scope: "channel \"email\""),
            context: PluginContext(channel: "email", logger: Logger(label: "t"), baseDirectory: "/tmp", records: records))
        var first = PluginConformance.sampleDelivery(id: "m-1")
        first.recipient.email = "ana@example.net"
        var retry = first
        retry.attempt = 2
        var other = first
        other.id = "m-2"
        let handles = try plugin.sendHandles([first, other]).get()
        XCTAssertEqual(try plugin.sendHandles([retry]).get(), [handles[0]])
        XCTAssertNotEqual(handles[0], handles[1])
        let verp = try XCTUnwrap(plugin.config.verp)
        let handle = try XCTUnwrap(handles[0])
        let address = verp.prefix + handle + verp.suffix
        XCTAssertLessThanOrEqual(address.split(separator: "@")[0].utf8.count, 64)
        let id = try XCTUnwrap(verp.sendID(token: handle))
        XCTAssertEqual(SendRecord(try XCTUnwrap(records.record(id: id)).value)?.address, "ana@example.net")
        XCTAssertEqual(records.count, 2)

        let request = try EmailRequest.build(first, config: plugin.config, now: 0, handle: handle)
        XCTAssertEqual(request.mailFrom, address)
        XCTAssertTrue(String(decoding: request.message, as: UTF8.self).contains("Message-ID: <\(handle).herald@shop.example>"))
        XCTAssertEqual(BounceAttribution.handle(inMessageID: "<\(handle).herald@shop.example>"), handle)
    }

    func testWithoutARecordStoreSendsWaitRatherThanGoUnattributable() throws {
        let plugin = try EmailPlugin(
            config: PluginConfig(values: base, scope: "channel \"email\""),
            context: PluginContext(channel: "email", logger: Logger(label: "t"), baseDirectory: "/tmp"))
        XCTAssertThrowsError(try plugin.sendHandles([PluginConformance.sampleDelivery(id: "m-1")]).get())
    }

    func testARotatedOutKeyStillVerifies() throws {
        let old = try XCTUnwrap(config(base).verp)
        var rotated = base
        rotated["verp_secret"] = .string("a-brand-new-verp-secret-0987654321")
        rotated["verp_previous_secret"] = .string("verp-secret-0123456789abcdef")
        let new = try XCTUnwrap(config(rotated).verp)
        let oldToken = old.token(sendID: 77)
        XCTAssertEqual(new.sendID(token: oldToken), 77, "minted under the previous key")
        XCTAssertEqual(new.sendID(token: new.token(sendID: 78)), 78)
        XCTAssertNil(old.sendID(token: new.token(sendID: 78)), "the old settings do not know the new key")
    }
}
