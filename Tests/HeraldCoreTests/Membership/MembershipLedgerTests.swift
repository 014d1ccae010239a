import Foundation
import HeraldPluginAPI
import Logging
import XCTest

@testable import HeraldCore

/// The membership ledger: joins file a member under its keys, a leave takes out every member of that list a key
/// matches, counts say adds, removes and size per list, and a fact reported by a plugin lands in it on disk.
final class MembershipLedgerTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-members-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func join(_ list: String, _ member: String, _ keys: [String]) -> (channel: String, change: MembershipChange) {
        ("social", MembershipChange(list: list, joined: true, member: member, keys: keys))
    }

    private func leave(_ list: String, _ member: String, _ keys: [String]) -> (channel: String, change: MembershipChange) {
        ("social", MembershipChange(list: list, joined: false, member: member, keys: keys))
    }

    func testJoinsAreFoundByAnyKeyAndCountedPerList() throws {
        let ledger = try MembershipLedger(directory: directory)
        try ledger.record(
            [join("cart", "m1", ["email:e1", "phone:p1"]), join("vip", "m1", ["email:e1", "phone:p1"]),
             join("cart", "m2", ["email:e2"]), join("cart", "m1", ["email:e1", "phone:p1"])], now: 10)
        XCTAssertEqual(
            try ledger.members(channel: "social", keys: ["phone:p1"]).map { "\($0.list)/\($0.member)" }, ["cart/m1", "vip/m1"])
        XCTAssertEqual(try ledger.members(channel: "social", keys: ["email:e2", "email:e9"]).map(\.member), ["m2"])
        XCTAssertEqual(try ledger.members(channel: "social", keys: ["email:e1"]).first?.keys, ["email:e1", "phone:p1"])
        XCTAssertEqual(try ledger.members(channel: "other", keys: ["email:e1"]), [], "lists are per channel")
        XCTAssertEqual(
            try ledger.counts(),
            [MembershipCount(channel: "social", list: "cart", joins: 3, leaves: 0, size: 2),
             MembershipCount(channel: "social", list: "vip", joins: 1, leaves: 0, size: 1)])
        XCTAssertTrue(try ledger.contains(channel: "social", member: "m2"))
        XCTAssertFalse(try ledger.contains(channel: "social", member: "m3"))
    }

    func testALeaveTakesOutEveryMemberOfThatListItsKeysMatch() throws {
        let ledger = try MembershipLedger(directory: directory)
        try ledger.record(
            [join("cart", "m1", ["email:e1", "phone:p1"]), join("cart", "m1b", ["phone:p1"]), join("vip", "m1", ["email:e1"]),
             join("cart", "m2", ["email:e2"])], now: 10)
        // A remove naming only the phone: the platform drops whoever has that phone, so the ledger does too.
        try ledger.record([leave("cart", "m-phone-only", ["phone:p1"])], now: 20)
        XCTAssertEqual(try ledger.members(channel: "social", keys: ["email:e1", "phone:p1"]).map { "\($0.list)/\($0.member)" }, ["vip/m1"])
        XCTAssertEqual(try ledger.members(channel: "social", keys: ["email:e2"]).map(\.member), ["m2"])
        let cart = try XCTUnwrap(try ledger.counts().first { $0.list == "cart" })
        XCTAssertEqual(cart, MembershipCount(channel: "social", list: "cart", joins: 3, leaves: 1, size: 1))
        // Read-only, from another process's point of view.
        XCTAssertEqual(try MembershipLedger.counts(directory: directory).first { $0.list == "cart" }?.size, 1)
        XCTAssertEqual(try MembershipLedger.counts(directory: directory + "/none"), [], "no ledger yet: no lists")
    }

    func testAPluginsMembershipFactIsOnFileWhenReportReturns() async throws {
        let ledger = try MembershipLedger(directory: directory)
        let recorder = FactRecorder(
            store: try SuppressionStore(directory: directory), memberships: ledger,
            log: try DeliveryLog(path: directory + "/delivery.log", logger: Logger(label: "test")),
            mask: RecipientMask(full: false), logger: Logger(label: "test"))
        let sink = FactSink()
        await sink.connect { recorder.record($0) }
        await sink.report([
            .membership(channel: "social", messageID: "a1", MembershipChange(list: "cart", joined: true, member: "m1", keys: ["email:e1"]))
        ])
        let reopened = try MembershipLedger(directory: directory)
        XCTAssertEqual(try reopened.members(channel: "social", keys: ["email:e1"]).map(\.member), ["m1"])
        XCTAssertEqual((try? String(contentsOfFile: directory + "/delivery.log", encoding: .utf8)) ?? "", "", "no log line per member")
    }

    func testTheCursorSurvivesAReopen() throws {
        let ledger = try MembershipLedger(directory: directory)
        XCTAssertNil(try ledger.cursor("x"))
        try ledger.setCursor("x", to: 5)
        try ledger.setCursor("x", to: 7)
        XCTAssertEqual(try MembershipLedger(directory: directory).cursor("x"), 7)
    }
}
