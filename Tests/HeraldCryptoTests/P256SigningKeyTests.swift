import CryptoTestSupport
import Foundation
import XCTest

@testable import HeraldCrypto

final class P256SigningKeyTests: XCTestCase {
    func testBothKeyFormatsLoadWithTheirPublicKeys() throws {
        let pkcs8 = try P256SigningKey(pem: TestKeys.p256PKCS8)
        XCTAssertEqual(pkcs8.publicKey, hexBytes(TestKeys.p256PKCS8Public))
        let sec1 = try P256SigningKey(pem: TestKeys.p256SEC1)
        XCTAssertEqual(sec1.publicKey, hexBytes(TestKeys.p256SEC1Public))
        for key in [pkcs8, sec1] {
            XCTAssertEqual(key.publicKey.count, 65)
            XCTAssertEqual(key.publicKey.first, 0x04)
            XCTAssertEqual(key.algorithm, "ES256")
        }
    }

    func testSignatureIsRawAndVerifies() throws {
        for pem in [TestKeys.p256PKCS8, TestKeys.p256SEC1] {
            let key = try P256SigningKey(pem: pem)
            // Many messages, so a signature whose R or S has leading zero bytes (1 in 128 per half) is likely
            // among them and the left-padding is exercised.
            for index in 0..<300 {
                let message = Array("herald test message \(index)".utf8)
                let signature = key.sign(message)
                XCTAssertEqual(signature.count, 64)
                XCTAssertTrue(
                    Libcrypto.verifyES256(signature: signature, message: message, publicKey: key.publicKey))
                XCTAssertFalse(
                    Libcrypto.verifyES256(signature: signature, message: message + [0], publicKey: key.publicKey))
            }
        }
    }

    func testSignatureDoesNotVerifyUnderAnotherKey() throws {
        let message = Array("one key".utf8)
        let signature = try P256SigningKey(pem: TestKeys.p256PKCS8).sign(message)
        let other = try P256SigningKey(pem: TestKeys.p256SEC1).publicKey
        XCTAssertFalse(Libcrypto.verifyES256(signature: signature, message: message, publicKey: other))
    }

    func testDERToRawPadsShortIntegers() {
        // SEQUENCE { INTEGER 1, INTEGER 0x00FF (DER adds the 0x00 for the sign bit) }
        let der: [UInt8] = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0xFF]
        let raw = P256SigningKey.rawFromDER(der)
        XCTAssertEqual(raw, [UInt8](repeating: 0, count: 31) + [1] + [UInt8](repeating: 0, count: 31) + [0xFF])
        XCTAssertNil(P256SigningKey.rawFromDER([0x30, 0x00, 0x01]))
    }

    func testKeyFileIsRead() throws {
        let path = try temporaryKeyFile(TestKeys.p256SEC1)
        XCTAssertEqual(try P256SigningKey(pemFile: path).publicKey, hexBytes(TestKeys.p256SEC1Public))
    }

    func testKeyLoadingErrorsNameTheFileAndTheProblem() throws {
        let missing = NSTemporaryDirectory() + "herald-no-such-key-\(UUID().uuidString).p8"
        assertThrowsCryptoError(
            try P256SigningKey(pemFile: missing), .unreadableFile,
            mentions: [missing, "No such file", "ES256 signing key"])
        let notPEM = try temporaryKeyFile("this is not a key\n")
        assertThrowsCryptoError(
            try P256SigningKey(pemFile: notPEM), .invalidPEM,
            mentions: [notPEM, "no private key found", "BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY"])
        let rsa = try temporaryKeyFile(TestKeys.rsa2048)
        assertThrowsCryptoError(
            try P256SigningKey(pemFile: rsa), .unsupportedKeyType, mentions: [rsa, "type RSA", "EC P-256"])
        let p384 = try temporaryKeyFile(TestKeys.p384)
        assertThrowsCryptoError(
            try P256SigningKey(pemFile: p384), .wrongCurve, mentions: [p384, "secp384r1", "need P-256"])
        let encrypted = try temporaryKeyFile(TestKeys.p256SEC1Encrypted)
        assertThrowsCryptoError(
            try P256SigningKey(pemFile: encrypted), .encryptedKey, mentions: [encrypted, "passphrase"])
    }

    func testPublicKeyOnlyPEMIsRefused() {
        let publicOnly = """
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEz7tursdf0ZnqGYxqXshXwzLVI7hc
            YuNy1w5HuVKtN84DQQKAKE0AzE3PCPxxJCsA2qB4cfpoW200B47FyB2FvQ==
            -----END PUBLIC KEY-----
            """
        assertThrowsCryptoError(try P256SigningKey(pem: publicOnly), .invalidPEM, mentions: ["private key"])
    }
}
