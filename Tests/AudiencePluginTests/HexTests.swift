import HeraldCrypto
import XCTest

@testable import AudiencePlugin

final class HexTests: XCTestCase {
    func testHexIsLowerCaseAndAHashIsRecognized() {
        XCTAssertEqual(Hex.lowercase([0x00, 0x0f, 0xa0, 0xff]), "000fa0ff")
        XCTAssertTrue(AudienceHash.isSHA256(String(repeating: "aB", count: 32)))
        XCTAssertFalse(AudienceHash.isSHA256(String(repeating: "g", count: 64)))
        XCTAssertFalse(AudienceHash.isSHA256(String(repeating: "a", count: 63)))
    }
}
