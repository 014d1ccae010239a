import Foundation
import HeraldPluginAPI
import Logging
import XCTest

@testable import HeraldCore

/// The opt-out sweep: an opt-out (unsubscribe, complaint, manual) of an address queues one removal per list its
/// owner is in, built by the plugin's `Membership`, once however often the sweep looks; a bounce, another
/// person's opt-out, or an opt-out older than the cursor queue nothing.
final class OptOutSweepTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-sweep-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A list channel whose keys are `email:` plus the address, and whose removal names the list in `list`.
    private static let membership = Membership(
        keys: { kind, address in kind == "email" ? ["email:" + address] : [] },
        leave: { list, keys in
            guard let email = keys.first(where: { $0.hasPrefix("email:") }) else { return nil }
            let hash = String(repeating: "ab", count: 32)
            return (.object(["email": .string(hash), "external_id": .string(String(email.dropFirst(6)))]),
                    ["list": .object(["name": .string(list), "action": .string("remove")])])
        })

    private static let contract = ChannelContract(
        addressKind: "list", recipientFields: [.email, .externalID], needsContent: false,
        fields: [MessageField(name: "list", required: true) { _ in nil }], reachesPerson: false,
        membership: membership, takesHashedIdentifiers: true)

    private struct Setup {
        var sweep: OptOutSweep
        var suppressions: SuppressionStore
        var ledger: MembershipLedger
        var store: QueueStore
    }

    private func setup() throws -> Setup {
        let suppressions = try SuppressionStore(directory: directory)
        let ledger = try MembershipLedger(directory: directory)
        let store = try QueueStore(directory: directory)
        let sweep = OptOutSweep(
            suppressions: suppressions, ledger: ledger,
            channels: [OptOutSweep.Channel(name: "social", membership: Self.membership)], store: store,
            decoder: MessageDecoder(contracts: ["social": Self.contract]),
            log: try DeliveryLog(path: directory + "/delivery.log", logger: Logger(label: "test")),
            mask: RecipientMask(full: false), logger: Logger(label: "test"))
        return Setup(sweep: sweep, suppressions: suppressions, ledger: ledger, store: store)
    }

    private func queuedBodies(_ store: QueueStore) throws -> [[String: Any]] {
        try store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM message ORDER BY id").map {
                try XCTUnwrap(JSONSerialization.jsonObject(with: $0) as? [String: Any])
            }
        }
    }

    func testAnOptOutQueuesOneRemovalPerListOnce() throws {
        let s = try setup()
        try s.ledger.record(
            [("social", MembershipChange(list: "cart", joined: true, member: "m1", keys: ["email:ana@example.com"])),
             ("social", MembershipChange(list: "vip", joined: true, member: "m1", keys: ["email:ana@example.com"])),
             ("social", MembershipChange(list: "cart", joined: true, member: "m2", keys: ["email:bo@example.com"]))],
            now: 1)
        try s.suppressions.add([
            .init(kind: "email", address: "Ana@Example.com", reason: .unsubscribed, source: "one-click", createdAt: 1000),
            .init(kind: "email", address: "bo@example.com", reason: .hardBounce, source: "smtp", createdAt: 1000),
        ])
        XCTAssertEqual(try s.sweep.pass(now: 2000), 2)
        let bodies = try queuedBodies(s.store)
        XCTAssertEqual(bodies.compactMap { ($0["list"] as? [String: Any])?["name"] as? String }.sorted(), ["cart", "vip"])
        XCTAssertEqual(Set(bodies.compactMap { ($0["to"] as? [String: Any])?["external_id"] as? String }), ["ana@example.com"])
        XCTAssertEqual(bodies.first?["channel"] as? String, "social")
        XCTAssertEqual(bodies.first?["trigger"] as? String, "opt-out")

        // Looking again, or after a restart from the stored cursor, queues nothing more.
        XCTAssertEqual(try s.sweep.pass(now: 3000), 0)
        XCTAssertEqual(try setup().sweep.pass(now: 4000), 0)
        XCTAssertEqual(try queuedBodies(s.store).count, 2)
    }

    func testComplaintsAndManualEntriesCountOldOptOutsAreNotReadAgainAndTwoOptOutsRemoveOnce() throws {
        let s = try setup()
        try s.ledger.record([("social", MembershipChange(list: "cart", joined: true, member: "m1", keys: ["email:cy@example.com"]))], now: 1)
        try s.suppressions.add([.init(kind: "email", address: "cy@example.com", reason: .complaint, source: "fbl", createdAt: 500)])
        XCTAssertEqual(try s.sweep.pass(now: 600), 1)
        try s.suppressions.add([
            .init(kind: "email", address: "zed@example.com", reason: .manual, source: "cli", createdAt: 500 + OptOutSweep.lookback + 1)
        ])
        XCTAssertEqual(try s.sweep.pass(now: 700 + OptOutSweep.lookback), 0, "zed is in no list; cy's removal is queued already")
        // The cursor is now past cy's opt-out by more than the lookback: a member filed later is not taken out for it.
        try s.ledger.record([("social", MembershipChange(list: "vip", joined: true, member: "m1", keys: ["email:cy@example.com"]))], now: 2)
        XCTAssertEqual(try s.sweep.pass(now: 750 + OptOutSweep.lookback), 0)
        try s.ledger.record([("social", MembershipChange(list: "cart", joined: true, member: "z", keys: ["email:zed@example.com"]))], now: 3)
        try s.suppressions.add([
            .init(kind: "email", address: "zed@example.com", reason: .unsubscribed, source: "one-click", createdAt: 600 + OptOutSweep.lookback)
        ])
        XCTAssertEqual(try s.sweep.pass(now: 800 + OptOutSweep.lookback), 1, "two opt-outs of zed, one removal")
    }
}
