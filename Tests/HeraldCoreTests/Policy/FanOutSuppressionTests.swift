import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// On a fan-out channel (push to every device) each address is checked on its own: the message goes on to the live
/// devices, is suppressed only when none is left, and the person's identity is never what is checked.
final class FanOutSuppressionTests: XCTestCase {
    private func gate() throws -> PolicyGate {
        let directory = NSTemporaryDirectory() + "herald-fanout-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SuppressionStore(directory: directory)
        try store.add([
            .init(kind: "push_token", address: "dead-1", reason: .tokenInvalid, source: "test", createdAt: 1),
            .init(kind: "push_token", address: "dead-2", reason: .tokenInvalid, source: "test", createdAt: 1),
            // The person's identity suppressed under the push kind must not stop their devices.
            .init(kind: "push_token", address: "u-42", reason: .manual, source: "test", createdAt: 1),
        ])
        return PolicyGate(
            store: store, contract: ChannelContract(addressKind: "push_token", fanOut: .pushDevices), channel: "push",
            quietHours: nil, frequencyCap: nil, history: nil, deferOnCap: false)
    }

    private func message(_ tokens: [String], category: String = "marketing") throws -> Message {
        let devices = tokens.map { #"{"platform":"apns","token":"\#($0)"}"# }.joined(separator: ",")
        let json = #"{"id":"m","channel":"push","category":"\#(category)","to":{"external_id":"u-42","push":[\#(devices)]},"content":{"title":"Hi"}}"#
        return try MessageDecoder(channels: ["push"]).decode(Array(json.utf8), fileName: "m.json")
    }

    func testLiveDevicesGoOnAndAllDeadIsSuppressed() throws {
        let gate = try gate()
        let verdicts = gate.evaluate(
            [
                try message(["dead-1", "live-1", "live-2"]), try message(["dead-1", "dead-2"]), try message(["live-1"]),
                try message(["dead-2", "live-3"], category: "transactional"),
            ], now: 10)
        XCTAssertEqual(verdicts[0], .passKeeping(live: ["live-1", "live-2"]))
        guard case .suppressed(let entry) = verdicts[1] else { return XCTFail("\(verdicts[1])") }
        XCTAssertEqual(entry.reason, .tokenInvalid)
        XCTAssertEqual(verdicts[2], .pass, "u-42 is the person's id, never a device")
        XCTAssertEqual(verdicts[3], .passKeeping(live: ["live-3"]), "a dead token stops transactional pushes too")
    }

    func testKeepingDropsOnlyTheSuppressedDevices() {
        let recipient = Recipient(
            email: "a@b.example",
            push: [
                PushDevice(platform: "apns", token: "t1"), PushDevice(platform: "web", endpoint: "https://w/1"),
                PushDevice(platform: "fcm", token: "t2"),
            ])
        let kept = FanOut.pushDevices.keeping(recipient, ["https://w/1", "t2"])
        XCTAssertEqual(kept.push?.map(\.address), ["https://w/1", "t2"])
        XCTAssertEqual(kept.email, "a@b.example")
        XCTAssertEqual(FanOut.pushDevices.addresses(recipient), ["t1", "https://w/1", "t2"])
    }
}
