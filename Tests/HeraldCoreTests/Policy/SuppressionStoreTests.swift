import Foundation
import GRDB
import XCTest

@testable import HeraldCore

final class SuppressionStoreTests: XCTestCase {
    private func store() throws -> SuppressionStore {
        let directory = NSTemporaryDirectory() + "herald-suppress-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return try SuppressionStore(directory: directory)
    }

    func testAddLookupRemoveNormalizesEmailOnly() throws {
        let store = try store()
        let added = try store.add([
            .init(kind: "email", address: " Ana@Example.COM ", reason: .unsubscribed, source: "test", createdAt: 1),
            .init(kind: "webhook", address: "U-42", reason: .tokenInvalid, source: "test", createdAt: 2),
        ])
        XCTAssertEqual(added, 2)
        XCTAssertEqual(try store.add([.init(kind: "email", address: "ana@example.com", reason: .manual, source: "again", createdAt: 3)]), 0)
        let found = try store.lookup([(kind: "email", address: "ANA@example.com"), (kind: "webhook", address: "u-42")])
        XCTAssertEqual(found[SuppressionStore.lookupKey(kind: "email", address: "ana@EXAMPLE.com")]?.reason, .manual)
        XCTAssertNil(found[SuppressionStore.lookupKey(kind: "webhook", address: "u-42")], "tokens are case-sensitive")
        XCTAssertEqual(try store.list().count, 3, "both reasons of ana@example.com are kept")
        XCTAssertEqual(try store.remove(kind: "email", address: "ANA@example.com"), [.manual, .unsubscribed])
        XCTAssertEqual(try store.remove(kind: "email", address: "ana@example.com"), [])
    }

    func testSuppressionNeverWeakens() throws {
        let store = try store()
        for reason in [SuppressionStore.Reason.hardBounce, .complaint, .manual, .tokenInvalid] {
            let address = "\(reason.rawValue)@example.com"
            try store.add([.init(kind: "email", address: address, reason: reason, source: "first", createdAt: 1)])
            XCTAssertEqual(
                try store.add([.init(kind: "email", address: address, reason: .unsubscribed, source: "one-click", createdAt: 2)]),
                0)
            let entry = try store.lookup([(kind: "email", address: address)])[SuppressionStore.lookupKey(kind: "email", address: address)]
            XCTAssertEqual(entry?.reason, reason, "an unsubscribe must not replace \(reason)")
            XCTAssertEqual(entry?.source, "first")
            XCTAssertEqual(entry?.reason.stopsTransactional, true)
            XCTAssertEqual(Set(try store.list().filter { $0.address == address }.map(\.reason)), [reason, .unsubscribed])
        }
        // The other way round, the stronger reason still wins.
        try store.add([.init(kind: "email", address: "u@example.com", reason: .unsubscribed, source: "one-click", createdAt: 1)])
        try store.add([.init(kind: "email", address: "u@example.com", reason: .hardBounce, source: "550", createdAt: 2)])
        XCTAssertEqual(
            try store.lookup([(kind: "email", address: "u@example.com")]).first?.value.reason, .hardBounce)
    }

    func testEveryPolicyCommitIsSynced() throws {
        let store = try store()
        // 2 is FULL: the WAL is synced at each commit, so an answered unsubscribe survives a power cut.
        XCTAssertEqual(try store.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") }, 2)
    }

    func testNormalizeTrimsTabsAndUnicodeSpacesOnly() {
        XCTAssertEqual(SuppressionStore.normalize(kind: "email", "\t Ana@Example.COM\u{00A0}\u{3000}"), "ana@example.com")
        XCTAssertEqual(SuppressionStore.normalize(kind: "push", " Tok en\u{2009}"), "Tok en", "inner spaces stay")
        XCTAssertEqual(SuppressionStore.normalize(kind: "push", "\u{00A0}\t "), "")
        XCTAssertEqual(SuppressionStore.normalize(kind: "push", "tok\n"), "tok\n", "a newline is not whitespace here")
        for sample in [" a ", "\u{2003}b\u{2003}", "c\t", "\u{1680}é\u{205F}", "\u{200B}x\u{200B}", "\u{FEFF}y\u{180E}", "plain", ""] {
            XCTAssertEqual(
                SuppressionStore.trimmingWhitespace(sample), sample.trimmingCharacters(in: .whitespaces),
                "agrees with CharacterSet.whitespaces on \(sample.debugDescription)")
        }
    }

    func testSentHistoryIsWindowedAndPruned() throws {
        let store = try store()
        try store.recordSent([(identity: "u-1", channel: "email", at: 1_000), (identity: "u-1", channel: "push", at: 5_000)], now: 1_000, keepSince: 0)
        XCTAssertEqual(try store.sent(identities: ["u-1", "u-2"], since: 2_000)["u-1"]?.map(\.channel), ["push"])
        try store.recordSent([(identity: "u-2", channel: "email", at: 9_000)], now: 9_000, keepSince: 4_000)
        XCTAssertEqual(try store.sent(identities: ["u-1"], since: 0)["u-1"]?.count, 2, "pruning waits a minute")
        try store.recordSent([(identity: "u-2", channel: "email", at: 70_000)], now: 70_000, keepSince: 4_000)
        XCTAssertEqual(try store.sent(identities: ["u-1"], since: 0)["u-1"]?.count, 1, "sends before keepSince are forgotten")
        XCTAssertEqual(try store.sent(identities: ["u-2"], since: 0)["u-2"]?.map(\.at), [9_000, 70_000])
    }

    func testReasonsThatStopTransactionalMail() {
        XCTAssertFalse(SuppressionStore.Reason.unsubscribed.stopsTransactional)
        for reason in [SuppressionStore.Reason.hardBounce, .tokenInvalid, .complaint, .manual] {
            XCTAssertTrue(reason.stopsTransactional, "\(reason)")
        }
    }
}
