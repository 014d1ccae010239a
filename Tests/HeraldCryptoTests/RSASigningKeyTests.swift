import CryptoTestSupport
import XCTest

@testable import HeraldCrypto

final class RSASigningKeyTests: XCTestCase {
    func testSignAndVerifyRoundTrip() throws {
        let key = try RSASigningKey(pem: TestKeys.rsa2048)
        XCTAssertEqual(key.algorithm, "RS256")
        XCTAssertEqual(key.bits, 2048)
        let message = Array("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0".utf8)
        let signature = key.sign(message)
        XCTAssertEqual(signature.count, 256)
        XCTAssertTrue(Libcrypto.verifyRS256(signature: signature, message: message, privateKeyPEM: TestKeys.rsa2048))
        XCTAssertFalse(
            Libcrypto.verifyRS256(signature: signature, message: message + [0], privateKeyPEM: TestKeys.rsa2048))
        // PKCS#1 v1.5 is deterministic: the same input signs to the same bytes.
        XCTAssertEqual(key.sign(message), signature)
    }

    func testServiceAccountStylePEMWithTrailingNewlineLoads() throws {
        // A service-account private_key ends in "\n" once the JSON parser has unescaped it.
        XCTAssertEqual(try RSASigningKey(pem: TestKeys.rsa2048 + "\n").bits, 2048)
    }

    func testRejectedKeys() throws {
        assertThrowsCryptoError(
            try RSASigningKey(pem: TestKeys.rsa1024), .badKeySize, mentions: ["1024 bits", "at least 2048"])
        assertThrowsCryptoError(
            try RSASigningKey(pem: TestKeys.p256PKCS8), .unsupportedKeyType, mentions: ["type EC", "RSA key"])
        assertThrowsCryptoError(try RSASigningKey(pem: ""), .invalidPEM, mentions: ["BEGIN PRIVATE KEY"])
        let small = try temporaryKeyFile(TestKeys.rsa1024)
        assertThrowsCryptoError(try RSASigningKey(pemFile: small), .badKeySize, mentions: [small])
    }
}
