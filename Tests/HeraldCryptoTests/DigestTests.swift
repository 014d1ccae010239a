import HeraldCrypto
import XCTest

final class DigestTests: XCTestCase {
    func testSHA256OfABC() {
        let digest = Digest.sha256(Array("abc".utf8))
        XCTAssertEqual(hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// RFC 4231 test case 2.
    func testHMACSHA256RFC4231() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 5869 Appendix A.1 and A.3 (no salt, no info).
    func testHKDFRFC5869() {
        let ikm = [UInt8](repeating: 0x0B, count: 22)
        let prk = HKDF.extract(salt: Array(0x00...0x0C), inputKeyMaterial: ikm)
        XCTAssertEqual(hex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
        XCTAssertEqual(
            hex(HKDF.expand(pseudoRandomKey: prk, info: Array(0xF0...0xF9), length: 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
        let prk3 = HKDF.extract(salt: [], inputKeyMaterial: ikm)
        XCTAssertEqual(hex(prk3), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04")
        XCTAssertEqual(
            hex(HKDF.expand(pseudoRandomKey: prk3, info: [], length: 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(Digest.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Digest.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Digest.constantTimeEqual([1, 2], [1, 2, 3]))
    }

    func testBase64RoundTripAndAlphabets() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) % 256) }
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
            XCTAssertEqual(Base64.decode(Base64.encode(bytes, urlSafe: true, padded: false)), bytes)
        }
        XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(Base64.encode(Array("fo".utf8)), "Zm8=")
        XCTAssertEqual(Base64.encode([0xFB, 0xFF], urlSafe: true, padded: false), "-_8")
        XCTAssertNil(Base64.decode("ab$c"))
        XCTAssertNil(Base64.decode("a"))
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
