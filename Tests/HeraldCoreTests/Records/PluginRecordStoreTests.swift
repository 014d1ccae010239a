import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class PluginRecordStoreTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "records-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testOneIDPerKeyAndTheFirstValueKept() throws {
        let store = PluginRecordStore(directory: directory)
        let first = try store.ids(
            channel: "mail", entries: [("m1", .string("a")), ("m2", .string("b"))], keep: .seconds(60), now: 1_000)
        let again = try store.ids(channel: "mail", entries: [("m2", .string("changed")), ("m1", .string("x"))], keep: .seconds(60), now: 2_000)
        XCTAssertEqual(first.count, 2)
        XCTAssertNotEqual(first[0], first[1])
        XCTAssertEqual(again, [first[1], first[0]])
        XCTAssertEqual(try store.record(channel: "mail", id: first[1], now: 3_000)?.value, .string("b"))
        XCTAssertEqual(try store.record(channel: "mail", id: first[1], now: 3_000)?.key, "m2")
    }

    func testChannelsDoNotSeeEachOthersRecords() throws {
        let store = PluginRecordStore(directory: directory)
        let id = try XCTUnwrap(store.ids(channel: "mail", entries: [("m1", .null)], keep: .seconds(60), now: 0).first)
        XCTAssertNil(try store.record(channel: "other", id: id, now: 0))
        XCTAssertNotNil(try store.record(channel: "mail", id: id, now: 0))
    }

    func testExpiredRecordsAreGoneAndTheirIDsNeverComeBack() throws {
        let store = PluginRecordStore(directory: directory)
        let old = try XCTUnwrap(store.ids(channel: "mail", entries: [("m1", .string("a"))], keep: .seconds(1), now: 0).first)
        XCTAssertNil(try store.record(channel: "mail", id: old, now: 5_000), "past its keep")
        let fresh = try XCTUnwrap(store.ids(channel: "mail", entries: [("m1", .string("b"))], keep: .seconds(1), now: 5_000).first)
        XCTAssertGreaterThan(fresh, old, "a key whose record expired gets a new id, never the old one")
        XCTAssertEqual(try store.record(channel: "mail", id: fresh, now: 5_000)?.value, .string("b"))
    }

    func testRecordsSurviveReopening() throws {
        let id = try XCTUnwrap(
            PluginRecordStore(directory: directory).ids(channel: "mail", entries: [("m1", .object(["to": .string("x")]))], keep: .seconds(60), now: 0).first)
        let reopened = PluginRecordStore(directory: directory)
        XCTAssertEqual(try reopened.record(channel: "mail", id: id, now: 1)?.value, .object(["to": .string("x")]))
        XCTAssertNil(try reopened.record(channel: "mail", id: id + 1000, now: 1))
    }

    func testCursorsAreReplacedPerChannelAndSurviveReopening() throws {
        let store = PluginRecordStore(directory: directory)
        XCTAssertNil(try store.cursor(channel: "mail", name: "imap"))
        try store.setCursor(channel: "mail", name: "imap", value: .object(["uid": .int(4)]))
        try store.setCursor(channel: "mail", name: "imap", value: .object(["uid": .int(9)]))
        try store.setCursor(channel: "other", name: "imap", value: .object(["uid": .int(1)]))
        let reopened = PluginRecordStore(directory: directory)
        XCTAssertEqual(try reopened.cursor(channel: "mail", name: "imap"), .object(["uid": .int(9)]))
        XCTAssertEqual(try reopened.cursor(channel: "other", name: "imap"), .object(["uid": .int(1)]))
    }

    func testNothingIsCreatedUntilFirstUse() {
        _ = PluginRecordStore(directory: directory).records(channel: "mail")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/" + PluginRecordStore.fileName))
    }
}
