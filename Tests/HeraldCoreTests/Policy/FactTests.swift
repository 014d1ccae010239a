import Foundation
import HeraldPluginAPI
import Logging
import XCTest

@testable import HeraldCore

/// Facts beside outcomes (`FactSink`, `FactRecorder`): a dead address a plugin reports is suppressed on disk before
/// `report` returns, alone, with one masked `address_dead` line; facts wait for the core and never grow unbounded.
final class FactTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-facts-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func dead(_ token: String, id: String = "m1", reply: Reply = Reply(code: "410", text: "Unregistered")) -> Fact {
        .addressDead(channel: "push", messageID: id, addressKind: "push_token", address: token, reason: .tokenInvalid, reply: reply)
    }

    private func logLines() throws -> [[String: Any]] {
        let text = try String(contentsOfFile: directory + "/delivery.log", encoding: .utf8)
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testADeadTokenIsSuppressedAloneAndLoggedMasked() async throws {
        let store = try SuppressionStore(directory: directory)
        let log = try DeliveryLog(path: directory + "/delivery.log", logger: Logger(label: "test"))
        let recorder = FactRecorder(
            store: store, log: log, mask: RecipientMask(full: false), logger: Logger(label: "test"), clock: { 5000 })
        let sink = FactSink()
        await sink.connect { recorder.record($0) }
        let token = "a1b2c3d4e5f60718"
        await sink.report([dead(token, reply: Reply(code: "410", text: "token \(token) Unregistered"))])

        // On disk when report returned: a second store on the same file sees it.
        let other = try SuppressionStore(directory: directory)
        let found = try other.lookup([(kind: "push_token", address: token), (kind: "push_token", address: "other-device")])
        XCTAssertEqual(found[SuppressionStore.lookupKey(kind: "push_token", address: token)]?.reason, .tokenInvalid)
        XCTAssertNil(found[SuppressionStore.lookupKey(kind: "push_token", address: "other-device")])
        XCTAssertEqual(try other.list().count, 1, "only the token reported, nothing of the person")

        let lines = try logLines()
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(lines.first?["event"] as? String, "address_dead")
        XCTAssertEqual(lines.first?["id"] as? String, "m1")
        XCTAssertEqual(lines.first?["code"] as? String, "push_token")
        let shown = try XCTUnwrap(lines.first?["to"] as? String)
        XCTAssertNotEqual(shown, token)
        XCTAssertFalse(String(describing: lines).contains(token), "the token appears in clear: \(lines)")
        XCTAssertFalse(try other.list().first?.source.contains(token) ?? true, "the stored source quotes the token")
    }

    func testUnknownKindsAndUnnamedAddressesSuppressNothing() async throws {
        let store = try SuppressionStore(directory: directory)
        let log = try DeliveryLog(path: directory + "/delivery.log", logger: Logger(label: "test"))
        let recorder = FactRecorder(store: store, log: log, mask: RecipientMask(full: false), logger: Logger(label: "test"))
        recorder.record([
            Fact(kind: Fact.Kind(rawValue: "visitor_reply"), channel: "chat", details: ["text": .string("hi")]),
            Fact(kind: .addressDead, channel: "push", addressKind: "push_token"),
        ])
        XCTAssertEqual(try store.list().count, 0)
    }

    func testFactsWaitForTheCoreThenGoFirstAndStayBounded() async {
        let sink = FactSink()
        await sink.report([dead("t1"), dead("t2")])
        XCTAssertEqual(sink.pending.map(\.address), ["t1", "t2"])
        let seen = Seen()
        await sink.connect { await seen.add($0) }
        await sink.report([dead("t3")])
        let addresses = await seen.facts.map(\.address)
        XCTAssertEqual(addresses, ["t1", "t2", "t3"])
        XCTAssertTrue(sink.pending.isEmpty)

        let unconnected = FactSink()
        await unconnected.report((0..<(FactSink.pendingLimit + 5)).map { dead("t\($0)") })
        XCTAssertEqual(unconnected.pending.count, FactSink.pendingLimit)
        XCTAssertEqual(unconnected.dropped, 5)
        XCTAssertEqual(unconnected.pending.first?.address, "t5", "the oldest go first")
    }

    private actor Seen {
        var facts: [Fact] = []
        func add(_ more: [Fact]) { facts += more }
    }

    func testAReplyIsLoggedMaskedWithItsLengthAndAReachableAddressWakes() throws {
        let store = try SuppressionStore(directory: directory)
        let log = try DeliveryLog(path: directory + "/delivery.log", logger: Logger(label: "test"))
        let woken = Collected<String>()
        let recorder = FactRecorder(
            store: store, log: log, mask: RecipientMask(full: false), logger: Logger(label: "test"), clock: { 5000 },
            wake: { channel, address in woken.append(["\(channel)/\(address)"]) })
        recorder.record([
            .reachable(channel: "chat", address: "visitor-8812"),
            .reply(channel: "chat", address: "visitor-8812", text: "Yes please, hold size M", conversation: "c-1"),
        ])
        XCTAssertEqual(woken.all, ["chat/visitor-8812"])
        let lines = try logLines()
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(lines.first?["event"] as? String, "reply")
        XCTAssertEqual(lines.first?["conversation"] as? String, "c-1")
        XCTAssertEqual(lines.first?["length"] as? Int, 23)
        XCTAssertNil(lines.first?["text"], "the text stays out of the log")
        XCTAssertFalse(String(describing: lines).contains("visitor-8812"), "the visitor appears in clear: \(lines)")
        XCTAssertEqual(try store.list().count, 0, "a reply suppresses nothing")
    }
}
