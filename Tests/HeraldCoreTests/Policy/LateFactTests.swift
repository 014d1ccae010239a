import Foundation
import HeraldPluginAPI
import Logging
import XCTest

@testable import HeraldCore

/// Late outcomes: a hard bounce suppresses the address with `hard_bounce` and logs `bounced` under the original
/// message's id, campaign and stage; a soft bounce and a delay are logged only; a complaint suppresses with
/// `complaint` (an opt-out, so the audience sweep takes the person out too); the address never appears in clear.
final class LateFactTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-late-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func lines() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: directory + "/delivery.log", encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func testHardSoftDelayAndComplaint() throws {
        let store = try SuppressionStore(directory: directory)
        let recorder = FactRecorder(
            store: store, log: try DeliveryLog(path: directory + "/delivery.log", logger: Logger(label: "t")),
            mask: RecipientMask(full: false), logger: Logger(label: "t"), clock: { 9000 },
            origins: { id in id == "cart-1" ? ("email", "cart-abandon", "conversion") : nil })
        let ana = "ana@example.net"
        recorder.record([
            .late(.bounced, channel: "email", messageID: "cart-1", addressKind: "email", address: ana,
                  reply: Reply(code: "5.1.1", text: "550 5.1.1 <ana@example.net>: User unknown"), hard: true, reason: "user_unknown"),
            .late(.bounced, channel: "email", messageID: "cart-1", addressKind: "email", address: "bo@example.net",
                  reply: Reply(code: "5.2.2", text: "mailbox full"), hard: false, reason: "mailbox_full"),
            .late(.delayed, channel: "email", messageID: "old-9", addressKind: "email", address: "cy@example.net",
                  reply: Reply(code: "4.4.1", text: "no answer")),
            .late(.complained, channel: "email", messageID: "cart-1", addressKind: "email", address: "dee@example.net",
                  reply: Reply(code: "abuse", text: "feedback report"), reason: "abuse"),
        ])
        let found = try store.lookup([(kind: "email", address: ana), (kind: "email", address: "bo@example.net"),
                                      (kind: "email", address: "dee@example.net")])
        XCTAssertEqual(found[SuppressionStore.lookupKey(kind: "email", address: ana)]?.reason, .hardBounce)
        XCTAssertNil(found[SuppressionStore.lookupKey(kind: "email", address: "bo@example.net")], "a soft bounce suppresses nobody")
        XCTAssertEqual(found[SuppressionStore.lookupKey(kind: "email", address: "dee@example.net")]?.reason, .complaint)
        XCTAssertEqual(try store.optOuts(since: 0, limit: 10).map(\.address), ["dee@example.net"], "a complaint is an opt-out")

        let logged = try lines()
        XCTAssertEqual(logged.map { $0["event"] as? String }, ["bounced", "bounced", "delayed", "complained"])
        XCTAssertEqual(logged[0]["id"] as? String, "cart-1")
        XCTAssertEqual(logged[0]["campaign"] as? String, "cart-abandon")
        XCTAssertEqual(logged[0]["stage"] as? String, "conversion")
        XCTAssertEqual(logged[0]["code"] as? String, "5.1.1")
        XCTAssertTrue((logged[0]["detail"] as? String)?.hasPrefix("hard; user_unknown; ") ?? false, "\(logged[0])")
        XCTAssertTrue((logged[1]["detail"] as? String)?.hasPrefix("soft; mailbox_full") ?? false)
        XCTAssertEqual(logged[2]["id"] as? String, "old-9")
        XCTAssertNil(logged[2]["campaign"], "a message past dedup_window and no campaign in the fact")
        XCTAssertFalse(String(describing: logged).contains("ana@example.net"), "an address in clear: \(logged)")
    }

    /// A plugin's own record of the send names the campaign once the queue has forgotten the message; a bounce
    /// about nobody is logged with why, and suppresses no one.
    func testCampaignFromTheFactAndUnattributedBounces() throws {
        let store = try SuppressionStore(directory: directory)
        let recorder = FactRecorder(
            store: store, log: try DeliveryLog(path: directory + "/delivery.log", logger: Logger(label: "t")),
            mask: RecipientMask(full: false), logger: Logger(label: "t"), clock: { 9000 }, origins: { _ in nil })
        var kept = Fact.late(
            .bounced, channel: "email", messageID: "old-1", addressKind: "email", address: "ed@example.net",
            reply: Reply(code: "5.1.1", text: "user unknown"), hard: true, reason: "user_unknown")
        kept.details["campaign"] = .string("winback")
        kept.details["stage"] = .string("offer")
        var stray = Fact.late(.bounced, channel: "email", messageID: nil, addressKind: "email", address: nil, reply: Reply(code: "", text: ""))
        stray.details["unattributed"] = .string("the VERP handle does not verify")
        recorder.record([kept, stray])
        let logged = try lines()
        XCTAssertEqual(logged.count, 2)
        XCTAssertEqual(logged[0]["campaign"] as? String, "winback")
        XCTAssertEqual(logged[0]["stage"] as? String, "offer")
        XCTAssertNil(logged[1]["id"])
        XCTAssertEqual(logged[1]["detail"] as? String, "soft; unattributed: the VERP handle does not verify")
        let found = try store.lookup([(kind: "email", address: "ed@example.net")])
        XCTAssertEqual(found.count, 1, "the attributed hard bounce suppresses; the stray names nobody")
    }
}
