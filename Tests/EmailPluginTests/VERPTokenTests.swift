import XCTest

@testable import EmailPlugin

/// The VERP token: 31 lower-case base32 characters that round-trip under the key of their version, and name
/// nobody when forged, truncated, re-keyed or of an unknown version.
final class VERPTokenTests: XCTestCase {
    let keyTable: [UInt8: [UInt8]] = [1: Array("first-verp-key-0123456789".utf8), 2: Array("second-verp-key-987654321".utf8)]
    var keys: [(version: UInt8, key: [UInt8])] { keyTable.map { ($0.key, $0.value) } }

    func testARoundTripUnderItsVersionsKey() throws {
        let token = VERPToken(version: 2, sendID: 0x0123_4567_89AB_CDEF)
        let text = token.encoded(key: try XCTUnwrap(keyTable[2]))
        XCTAssertEqual(text.count, VERPToken.length)
        XCTAssertTrue(text.allSatisfy { $0.isLowercase || ("2"..."7").contains($0) }, text)
        XCTAssertEqual(VERPToken.decode(text, keys: keys), token)
        XCTAssertEqual(VERPToken.decode(text.uppercased(), keys: keys), token, "a relay may change the case")
        let address = "bounces+\(text)@shop.example"
        XCTAssertLessThanOrEqual(address.split(separator: "@")[0].utf8.count, 64, "RFC 5321's local-part limit")
        XCTAssertEqual(VERPToken.token(inAddress: address), text)
        XCTAssertNil(VERPToken.token(inAddress: "bounces@shop.example"))
    }

    func testForgedTruncatedAndUnknownTokensNameNobody() throws {
        let text = VERPToken(version: 1, sendID: 42).encoded(key: try XCTUnwrap(keyTable[1]))
        var forged = Array(text)
        forged[20] = forged[20] == "a" ? "b" : "a"
        XCTAssertNil(VERPToken.decode(String(forged), keys: keys), "a changed MAC")
        XCTAssertNil(VERPToken.decode(String(text.dropLast()), keys: keys), "truncated")
        XCTAssertNil(VERPToken.decode(text, keys: [(1, Array("another-key-entirely-000".utf8))]), "another key")
        XCTAssertNil(VERPToken.decode(text, keys: [(2, try XCTUnwrap(keyTable[2]))]), "a version without a key")
        XCTAssertNil(VERPToken.decode(String(repeating: "1", count: 31), keys: keys), "not base32")
        let otherID = VERPToken(version: 1, sendID: 43).encoded(key: try XCTUnwrap(keyTable[1]))
        XCTAssertNotEqual(otherID, text)
    }
}
