import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// A channel that reaches nobody (an ad-audience sync declares `reachesPerson: false`) is neither held by quiet
/// hours nor counted or stopped by frequency caps; a channel that reaches the person, with the same rules, is.
final class ReachesPersonTests: XCTestCase {
    private func gate(reachesPerson: Bool) throws -> PolicyGate {
        let directory = NSTemporaryDirectory() + "herald-reaches-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SuppressionStore(directory: directory)
        return PolicyGate(
            store: store, contract: ChannelContract(addressKind: "audience", reachesPerson: reachesPerson),
            channel: "social", quietHours: { now, _ in now + 3_600_000 },
            frequencyCap: { _, _, _ in .capped(rule: "1 per 1d", freeAt: 99) }, history: nil, deferOnCap: false)
    }

    private func message(_ id: String) throws -> Message {
        let json = #"{"id":"\#(id)","channel":"social","to":{"external_id":"u-1","first_name":"Ana","country":"MY"},"content":{"text":"-"}}"#
        return try MessageDecoder(channels: ["social"]).decode(Array(json.utf8), fileName: "\(id).json")
    }

    func testQuietHoursHoldOnlyWhatReachesAPerson() throws {
        XCTAssertEqual(try gate(reachesPerson: false).evaluate([try message("a")], now: 10), [.pass])
        XCTAssertEqual(try gate(reachesPerson: true).evaluate([try message("a")], now: 10), [.quiet(until: 3_600_010)])
    }

    func testProfileFieldsAreDecodedAndTheCountryChecked() throws {
        let decoded = try message("p")
        XCTAssertEqual(decoded.to.profile.firstName, "Ana")
        XCTAssertEqual(decoded.to.profile.country, "MY")
        let bad = #"{"id":"b","channel":"social","to":{"external_id":"u","country":"MYS"},"content":{"text":"-"}}"#
        XCTAssertThrowsError(try MessageDecoder(channels: ["social"]).decode(Array(bad.utf8), fileName: "b.json")) { error in
            XCTAssertEqual((error as? IntakeError)?.field, "to.country")
        }
        let broken = #"{"id":"c","channel":"social","to":{"external_id":"u","city":"Kuala\nLumpur"},"content":{"text":"-"}}"#
        XCTAssertThrowsError(try MessageDecoder(channels: ["social"]).decode(Array(broken.utf8), fileName: "c.json")) { error in
            XCTAssertEqual((error as? IntakeError)?.field, "to.city")
        }
    }
}
