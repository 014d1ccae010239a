import CryptoTestSupport
import XCTest

@testable import HeraldCrypto

final class JWTTests: XCTestCase {
    /// RFC 8292 §2.4 (PROTOCOLS §4.6). No private key is published, so the token can only be verified.
    private static let vapidToken =
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3Njgs"
        + "InN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmy"
        + "sazNjjvW2L9OkSSHzvoD1oA"
    private static let vapidK =
        "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs"

    func testRFC8292VAPIDTokenVerifiesAgainstK() throws {
        let parts = Self.vapidToken.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(String(decoding: base64url(parts[0]), as: UTF8.self), #"{"typ":"JWT","alg":"ES256"}"#)
        XCTAssertEqual(
            String(decoding: base64url(parts[1]), as: UTF8.self),
            #"{"aud":"https://push.example.net","exp":1453523768,"sub":"mailto:push@example.com"}"#)
        let signature = base64url(parts[2])
        XCTAssertEqual(signature.count, 64)
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        let k = base64url(Self.vapidK)
        XCTAssertTrue(Libcrypto.verifyES256(signature: signature, message: signingInput, publicKey: k))
        var tampered = signature
        tampered[63] ^= 1
        XCTAssertFalse(Libcrypto.verifyES256(signature: tampered, message: signingInput, publicKey: k))
    }

    func testES256TokenShapeAndSignature() throws {
        let key = try P256SigningKey(pem: TestKeys.p256PKCS8)
        let header = Array(#"{"alg":"ES256","kid":"ABC123DEFG"}"#.utf8)
        let claims = Array(#"{"iss":"DEF123GHIJ","iat":1700000000}"#.utf8)
        let token = JWT.sign(headerJSON: header, claimsJSON: claims, signer: key)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(parts.count, 3)
        // The exact bytes given, in the given order, unpadded base64url.
        XCTAssertEqual(parts[0], "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyM0RFRkcifQ")
        XCTAssertEqual(base64url(parts[1]), claims)
        for part in parts { XCTAssertFalse(part.contains("=") || part.contains("+") || part.contains("/"), part) }
        let signature = base64url(parts[2])
        XCTAssertEqual(signature.count, 64)
        XCTAssertTrue(
            Libcrypto.verifyES256(
                signature: signature, message: Array((parts[0] + "." + parts[1]).utf8), publicKey: key.publicKey))
    }

    func testRS256TokenVerifies() throws {
        let key = try RSASigningKey(pem: TestKeys.rsa2048)
        let token = JWT.sign(
            headerJSON: Array(#"{"alg":"RS256","typ":"JWT"}"#.utf8), claimsJSON: Array(#"{"iss":"a@b.c"}"#.utf8),
            signer: key)
        let parts = token.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        XCTAssertTrue(
            Libcrypto.verifyRS256(
                signature: base64url(parts[2]), message: Array((parts[0] + "." + parts[1]).utf8),
                privateKeyPEM: TestKeys.rsa2048))
    }
}
