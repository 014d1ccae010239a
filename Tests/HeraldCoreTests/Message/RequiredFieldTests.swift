import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// A plugin field declared `required` must be on every message whose route includes the channel.
final class RequiredFieldTests: XCTestCase {
    func testAMissingRequiredFieldIsRejectedNamingIt() throws {
        let contract = ChannelContract(
            addressKind: "audience", needsContent: false,
            fields: [MessageField(name: "audience", required: true) { _ in nil }])
        let decoder = MessageDecoder(contracts: ["social": contract])
        let bare = #"{"id":"a","channel":"social","to":{"external_id":"u-1"}}"#
        XCTAssertThrowsError(try decoder.decode(Array(bare.utf8), fileName: "a.json")) { error in
            XCTAssertEqual((error as? IntakeError)?.field, "audience")
        }
        let full = #"{"id":"b","channel":"social","to":{"external_id":"u-1"},"audience":{"name":"x"}}"#
        XCTAssertEqual(try decoder.decode(Array(full.utf8), fileName: "b.json").pluginFields["audience"]?["name"]?.stringValue, "x")
    }
}
