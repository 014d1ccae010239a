import CryptoTestSupport
import XCTest

@testable import HeraldCrypto

/// The SNS signature check's crypto: a certificate made and signed by libcrypto directly, its key verifying
/// PKCS#1 v1.5 signatures with the hash each `SignatureVersion` names and nothing else.
final class X509CertificateTests: XCTestCase {
    let message = Array("Message\nhello\nMessageId\n1\nTimestamp\n2026-01-01T00:00:00.000Z\nType\nNotification\n".utf8)

    func testSignaturesVerifyWithTheirHashOnly() throws {
        let signer = TestKeyPair.rsa()
        let certificate = try X509Certificate(pem: signer.selfSignedCertificatePEM())
        XCTAssertEqual(certificate.keyType, "RSA")
        XCTAssertEqual(certificate.publicKeyDER, signer.subjectPublicKeyInfo)
        let sha1 = signer.sign(message, digest: .sha1)
        let sha256 = signer.sign(message, digest: .sha256)
        XCTAssertTrue(certificate.verifyRSA(signature: sha1, message: message, hash: .sha1))
        XCTAssertTrue(certificate.verifyRSA(signature: sha256, message: message, hash: .sha256))
        XCTAssertFalse(certificate.verifyRSA(signature: sha1, message: message, hash: .sha256), "wrong hash")
        XCTAssertFalse(certificate.verifyRSA(signature: sha256, message: message, hash: .sha1), "wrong hash")
    }

    func testAnyFlippedByteFails() throws {
        let signer = TestKeyPair.rsa()
        let certificate = try X509Certificate(pem: signer.selfSignedCertificatePEM())
        let signature = signer.sign(message, digest: .sha256)
        for index in [0, signature.count / 2, signature.count - 1] {
            var bad = signature
            bad[index] ^= 0x01
            XCTAssertFalse(certificate.verifyRSA(signature: bad, message: message, hash: .sha256), "byte \(index)")
        }
        var changed = message
        changed[3] ^= 0x20
        XCTAssertFalse(certificate.verifyRSA(signature: signature, message: changed, hash: .sha256))
        XCTAssertFalse(certificate.verifyRSA(signature: Array(signature.dropLast()), message: message, hash: .sha256))
        XCTAssertFalse(certificate.verifyRSA(signature: [], message: message, hash: .sha256))
    }

    func testAnotherKeysSignatureFails() throws {
        let certificate = try X509Certificate(pem: TestKeyPair.rsa().selfSignedCertificatePEM())
        let signature = TestKeyPair.rsa().sign(message, digest: .sha1)
        XCTAssertFalse(certificate.verifyRSA(signature: signature, message: message, hash: .sha1))
    }

    func testAnECCertificateNeverPassesAsRSA() throws {
        let signer = TestKeyPair.p256()
        let certificate = try X509Certificate(pem: signer.selfSignedCertificatePEM())
        XCTAssertEqual(certificate.keyType, "EC")
        XCTAssertFalse(certificate.verifyRSA(signature: signer.sign(message), message: message, hash: .sha256))
    }

    func testBadPEMIsATypedError() {
        for text in ["", "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
            assertThrowsCryptoError(try X509Certificate(pem: text), .invalidPEM, mentions: ["BEGIN CERTIFICATE"])
        }
        // A private key is not a certificate, even though both are PEM.
        assertThrowsCryptoError(try X509Certificate(pem: TestKeys.p256PKCS8), .invalidPEM, mentions: ["no certificate"])
    }
}
