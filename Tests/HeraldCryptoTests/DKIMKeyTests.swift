import Foundation
import HeraldCrypto
import XCTest

final class DKIMKeyTests: XCTestCase {
    /// The RFC 8463 RSA key re-encoded as PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`).
    private static let rsaPKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAOQeU5CgFPNZGIaz
        lXo2k/eJ1jpaTTxrmqF1HrDLlt04pvaMtCJj8nXoliLRC/H9vJjMI1vdb3XLcW60
        AIN/PBD8EL97/y4GwJH7LPUvGP48vqUe+owqszesbiGy1PlCO8c70/OjFnJVgvMF
        87YR4Lcincb7aSvI5MgpP6X8rjDdAgMBAAECgYAfRzE6EVkODNdaEOGcAkPDmziu
        g5c3g6GOJdrxbtjeuFfcUmqYlI+4Lw329CbpJVtosAThIbmYsy54eWHgpd98Sm4s
        SI2n1Kzc7hh8uJCltGoTtOblLEqO+9Chll7MeiuKY5oKFEvaK3juK5bHPFKJEy/h
        z6PvQaJZ3FefF7hSgQJBAPMkH/RTnxbtFnLp6cZWPaRYXvfYKhYVlbOLUWJy52sE
        WjLrdDByjCmgJrMq29kYw2U9acLvH/qjwZy5J7SBrbECQQDwLs+Kk+bX/V9NFC+P
        Wj90OZmnbjfTjhk3LGOD78483ShYJtcgbHJa+ZlteuI5ahIAslOMTESCtocSCdey
        y6TtAkEAuXkgKxgy7qEzE7veCd81rI2A/F1YVXpntQucrJXsdJVgXSGBg4eN5h72
        Boy2IliijTMY34vcAC00/2G6qRaXMQJATVqWJwh5WWjV76onoyCqvRDsBrt9qVnj
        jxxxtIVgQ8PqgXGI6X1j2x72Jgdkop8hyy2jsNTDX+HPYKTg3kmuBQJBALIq942+
        POSR3weNizRLAzR8+MrXr//moNnZSIMac564TPEEMCvnXxnxUVtHjWKfdbhjfIIO
        BCUuVwROtL7Nhws=
        -----END PRIVATE KEY-----
        """
    /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`
    private static let ecP256 = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPMH3SRZgIzoR6ek4
        5T4/ilX5Q6HM0uA8vk6nW2XGmEmhRANCAAQzskoqLJ9FF0M9a1BkOHkCd1A9Ikb0
        v77cU/25znqnQQidEBSGssZnBmf6P9Ydx2oCAg228TNehQaozF4AvDez
        -----END PRIVATE KEY-----
        """
    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512`
    private static let rsa512 = """
        -----BEGIN PRIVATE KEY-----
        MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAvjciplr6UwJNyCAl
        NuSAGwa8x7vzHbeCNtmDDsgN0tbA0JehO9w1Jtvums06s/k1eKXyshk/k9mR6Gau
        PDvOLQIDAQABAkA4zlZ2v+zKJYH9Jjx27D6l05lFPQgZ89fbcZIGNBCMyjmSCKqd
        DAYGoyaWXhmsmZ/bsT51CVqsjCew3a0tsdaBAiEA7kHKlqts/SrsAaojBDYs1oaY
        /eOIhvEeIO17xRsyWYkCIQDMYXZ/AVupy/89OxtTzrGTxWhUoGv/Iz6agjLFZyh6
        hQIgIEpGXJkrEjyo86jNShrVhNWFEpOtwywWezv0VEhVUJECIBd2yQfjvAZOaUs6
        UfTZMgHpFAVDNaLhBPrwH6wSH8+RAiEAs2C4hTcf4TgQdB4ngUNaAuxNqKefbjrC
        xwzky5nxELs=
        -----END PRIVATE KEY-----
        """
    /// `openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret`
    private static let encryptedEd25519 = """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjRuHEd22jOIAICCAAw
        DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEELC7Ar2gm5pJmaXuqMbGQsMEQAdK
        Vi0+WLuAsPT0EKS5K+1kvseA4XFt8oH/o7XbtY/joqnUTk6ZFaskv4dWZ2adglwj
        Lin2DlPT/7w25of05Mg=
        -----END ENCRYPTED PRIVATE KEY-----
        """

    func testPublicKeyDNSValuesMatchRFC8463() throws {
        let ed25519 = try DKIMKey(pem: RFC8463.ed25519PEM)
        XCTAssertEqual(ed25519.algorithm, .ed25519SHA256)
        XCTAssertEqual(ed25519.publicKeyDNSValue, RFC8463.ed25519DNS)
        let rsa = try DKIMKey(pem: RFC8463.rsaPEM)
        XCTAssertEqual(rsa.algorithm, .rsaSHA256)
        XCTAssertEqual(rsa.publicKeyDNSValue, RFC8463.rsaDNS)
    }

    func testPKCS8RSAKeyIsTheSameKeyAsPKCS1() throws {
        let key = try DKIMKey(pem: Self.rsaPKCS8)
        XCTAssertEqual(key.algorithm, .rsaSHA256)
        XCTAssertEqual(key.publicKeyDNSValue, RFC8463.rsaDNS)
    }

    func testKeyFileIsRead() throws {
        let path = try temporaryFile(RFC8463.ed25519PEM)
        XCTAssertEqual(try DKIMKey(pemFile: path).publicKeyDNSValue, RFC8463.ed25519DNS)
    }

    func testRejectedKeys() {
        assertError(try DKIMKey(pem: ""), .invalidPEM, mentions: "BEGIN PRIVATE KEY")
        assertError(try DKIMKey(pem: "hello"), .invalidPEM, mentions: "BEGIN RSA PRIVATE KEY")
        let truncated = String(RFC8463.rsaPEM.prefix(200)) + "\n-----END RSA PRIVATE KEY-----\n"
        assertError(try DKIMKey(pem: truncated), .invalidPEM, mentions: "PKCS#8")
        let publicOnly = "-----BEGIN PUBLIC KEY-----\n\(RFC8463.rsaDNS)\n-----END PUBLIC KEY-----\n"
        assertError(try DKIMKey(pem: publicOnly), .invalidPEM, mentions: "private key")
        assertError(try DKIMKey(pem: Self.ecP256), .unsupportedKeyType, mentions: "type EC")
        assertError(try DKIMKey(pem: Self.rsa512), .badKeySize, mentions: "at least 1024 bits")
        assertError(try DKIMKey(pem: Self.encryptedEd25519), .encryptedKey, mentions: "passphrase")
    }

    func testFileErrorsNameThePath() throws {
        let missing = NSTemporaryDirectory() + "herald-no-such-key-\(UUID().uuidString).pem"
        assertError(try DKIMKey(pemFile: missing), .unreadableFile, mentions: missing)
        assertError(try DKIMKey(pemFile: missing), .unreadableFile, mentions: "No such file")
        assertError(try DKIMKey(pemFile: NSTemporaryDirectory()), .unreadableFile, mentions: "directory")
        let ecFile = try temporaryFile(Self.ecP256)
        assertError(try DKIMKey(pemFile: ecFile), .unsupportedKeyType, mentions: ecFile)
        let large = try temporaryFile(String(repeating: "x", count: 70_000))
        assertError(try DKIMKey(pemFile: large), .unreadableFile, mentions: "64 KiB")
    }

    private func assertError(
        _ expression: @autoclosure () throws -> DKIMKey, _ code: CryptoError.Code, mentions text: String,
        line: UInt = #line
    ) {
        do {
            _ = try expression()
            XCTFail("expected \(code)", line: line)
        } catch let error as CryptoError {
            XCTAssertEqual(error.code, code, "\(error)", line: line)
            XCTAssertTrue(error.description.contains(text), "\(error) should mention \(text)", line: line)
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
    }

    private func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "herald-dkim-test-\(UUID().uuidString).pem"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
