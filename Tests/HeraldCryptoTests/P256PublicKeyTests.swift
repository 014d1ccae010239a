import CryptoTestSupport
import XCTest

@testable import HeraldCrypto

/// SendGrid's signed Event Webhook crypto: a `MFkw…` key (base64 DER SubjectPublicKeyInfo) and DER signatures
/// made by libcrypto directly, over the exact bytes signed.
final class P256PublicKeyTests: XCTestCase {
    let message = Array("1700000000[{\"email\":\"ana@example.com\",\"event\":\"bounce\"}]\r\n".utf8)

    func testGoodSignatureVerifiesAndTamperingFails() throws {
        let signer = TestKeyPair.p256()
        let text = Base64.encode(signer.subjectPublicKeyInfo)
        XCTAssertTrue(text.hasPrefix("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"), text)
        let key = try P256PublicKey(base64DER: text)
        XCTAssertEqual(key.point.count, 65)
        for _ in 0..<20 {
            let signature = signer.sign(message)
            XCTAssertTrue(key.verify(derSignature: signature, message: message))
            var bad = signature
            bad[bad.count - 1] ^= 0x01
            XCTAssertFalse(key.verify(derSignature: bad, message: message))
            XCTAssertFalse(key.verify(derSignature: signature, message: message + [0x0A]))
            XCTAssertFalse(key.verify(derSignature: signature, message: Array(message.dropFirst())))
        }
        XCTAssertFalse(key.verify(derSignature: [], message: message))
        XCTAssertFalse(key.verify(derSignature: [0x30, 0x00], message: message))
    }

    func testAnotherKeysSignatureFails() throws {
        let key = try P256PublicKey(der: TestKeyPair.p256().subjectPublicKeyInfo)
        XCTAssertFalse(key.verify(derSignature: TestKeyPair.p256().sign(message), message: message))
    }

    func testTheKeyMayCarryLineBreaks() throws {
        let signer = TestKeyPair.p256()
        let text = Base64.encode(signer.subjectPublicKeyInfo)
        let wrapped = " " + text.prefix(64) + "\n" + text.dropFirst(64) + "\n"
        let key = try P256PublicKey(base64DER: wrapped)
        XCTAssertTrue(key.verify(derSignature: signer.sign(message), message: message))
    }

    func testBadKeysAreTypedErrors() throws {
        let good = TestKeyPair.p256().subjectPublicKeyInfo
        assertThrowsCryptoError(
            try P256PublicKey(base64DER: "MFkw!!"), .invalidPublicKey, mentions: ["not base64", "MFkw"])
        assertThrowsCryptoError(try P256PublicKey(der: Array(good.dropLast(3))), .invalidPublicKey, mentions: ["DER"])
        assertThrowsCryptoError(try P256PublicKey(der: good + [0]), .invalidPublicKey, mentions: ["after its DER"])
        assertThrowsCryptoError(
            try P256PublicKey(der: TestKeyPair.rsa().subjectPublicKeyInfo), .unsupportedKeyType, mentions: ["RSA"])
        var offCurve = good
        offCurve[offCurve.count - 1] ^= 0x01
        assertThrowsCryptoError(try P256PublicKey(der: offCurve), .invalidPublicKey, mentions: ["P-256"])
    }
}
