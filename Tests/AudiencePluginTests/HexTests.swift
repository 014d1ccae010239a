import XCTest

@testable import AudiencePlugin

final class HexTests: XCTestCase {
    func testHexIsLowerCaseAndAHashIsRecognized() {
        XCTAssertEqual(Hex.encode([0x00, 0x0f, 0xa0, 0xff]), "000fa0ff")
        XCTAssertTrue(Hex.isSHA256(String(repeating: "aB", count: 32)))
        XCTAssertFalse(Hex.isSHA256(String(repeating: "g", count: 64)))
        XCTAssertFalse(Hex.isSHA256(String(repeating: "a", count: 63)))
    }
}
