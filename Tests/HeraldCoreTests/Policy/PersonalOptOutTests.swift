import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// A channel that declares `stoppedByOptOut` (an audience add) is stopped by the person's opt-out under any kind:
/// an email unsubscribe, a complaint or an operator's entry on any of their addresses; not by what a peer said of
/// one address (a bounce, a dead token), and not for the messages the declaration leaves out (a remove).
final class PersonalOptOutTests: XCTestCase {
    private func gate() throws -> PolicyGate {
        let directory = NSTemporaryDirectory() + "herald-optout-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SuppressionStore(directory: directory)
        try store.add([
            .init(kind: "email", address: "ana@example.com", reason: .unsubscribed, source: "one-click", createdAt: 1),
            .init(kind: "sms", address: "+60123456789", reason: .complaint, source: "test", createdAt: 1),
            .init(kind: "email", address: "bounced@example.com", reason: .hardBounce, source: "550", createdAt: 1),
        ])
        let contract = ChannelContract(
            addressKind: "audience", reachesPerson: false,
            stoppedByOptOut: { $0["audience"]?["action"]?.stringValue == "add" })
        return PolicyGate(
            store: store, contract: contract, channel: "social", quietHours: nil, frequencyCap: nil, history: nil,
            deferOnCap: false)
    }

    private func message(_ id: String, _ to: String, action: String = "add") throws -> Message {
        let json = #"{"id":"\#(id)","channel":"social","to":\#(to),"audience":{"name":"cart","action":"\#(action)"}}"#
        let decoder = MessageDecoder(contracts: [
            "social": ChannelContract(
                addressKind: "audience", needsContent: false, fields: [MessageField(name: "audience") { _ in nil }])
        ])
        return try decoder.decode(Array(json.utf8), fileName: "\(id).json")
    }

    func testAnOptOutAnywhereStopsAnAddButNotARemove() throws {
        let verdicts = try gate().evaluate(
            [
                try message("unsubscribed", #"{"email":"Ana@Example.com","external_id":"u-1"}"#),
                try message("complained", #"{"phone":"+60123456789"}"#),
                try message("removal", #"{"email":"ana@example.com"}"#, action: "remove"),
                try message("bounced", #"{"email":"bounced@example.com"}"#),
                try message("other", #"{"email":"bo@example.com"}"#),
            ], now: 10)
        guard case .suppressed(let first) = verdicts[0], case .suppressed(let second) = verdicts[1] else {
            return XCTFail("\(verdicts)")
        }
        XCTAssertEqual(first.reason, .unsubscribed)
        XCTAssertEqual(second.reason, .complaint)
        XCTAssertEqual(Array(verdicts[2...]), [.pass, .pass, .pass], "a remove, a bounce and another person go on")
    }
}
