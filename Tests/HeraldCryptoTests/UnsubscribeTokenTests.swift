import Foundation
import HeraldCrypto
import XCTest

final class UnsubscribeTokenTests: XCTestCase {
    private let secret = Array("0123456789abcdef0123456789abcdef".utf8)
    private let claims = UnsubscribeToken.Claims(
        kind: "marketing", recipient: "suzie@shopping.example.net", campaign: "spring-2026")

    private func make(_ claims: UnsubscribeToken.Claims, secret: [UInt8]? = nil) -> String {
        UnsubscribeToken.make(
            kind: claims.kind, recipient: claims.recipient, campaign: claims.campaign, secret: secret ?? self.secret)
    }

    /// Recomputed independently with Python's `hmac` and `base64.urlsafe_b64encode` (padding stripped).
    func testKnownAnswers() {
        XCTAssertEqual(
            make(claims),
            "v1.bWFya2V0aW5nCnN1emllQHNob3BwaW5nLmV4YW1wbGUubmV0CnNwcmluZy0yMDI2"
                + ".vJZvhp_MS8D4aIdy-oq8S29ydjrUFIpA770LbK-M-iU")
        XCTAssertEqual(
            UnsubscribeToken.make(kind: "digest", recipient: "joe@football.example.com", campaign: nil, secret: secret),
            "v1.ZGlnZXN0CmpvZUBmb290YmFsbC5leGFtcGxlLmNvbQo.0SFvXRUN7DvZYYHiv8nCGjKKA8Sz01stvCWQSN7vcgQ")
    }

    func testRoundTrip() {
        let cases = [
            claims,
            UnsubscribeToken.Claims(kind: "digest", recipient: "joe@football.example.com", campaign: nil),
            UnsubscribeToken.Claims(kind: "k", recipient: "Zoë <zoë@exämple.de>", campaign: "été 2026 / ½ + ?&="),
            UnsubscribeToken.Claims(kind: "", recipient: "", campaign: nil),
        ]
        for claims in cases {
            XCTAssertEqual(UnsubscribeToken.verify(make(claims), secret: secret), claims)
        }
    }

    func testEmptyCampaignReadsBackAsNil() {
        let token = UnsubscribeToken.make(kind: "k", recipient: "r", campaign: "", secret: secret)
        XCTAssertEqual(UnsubscribeToken.verify(token, secret: secret)?.campaign, .some(nil))
    }

    func testOnlyURLSafeCharacters() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".utf8)
        for length in 0..<48 {
            let recipient = String((0..<length).map { Character(Unicode.Scalar(UInt8(0x21 + ($0 * 7) % 0x5E))) })
            let token = UnsubscribeToken.make(kind: "ÿ\u{7F}", recipient: recipient, campaign: "?>~", secret: secret)
            XCTAssertTrue(token.utf8.allSatisfy(allowed.contains), token)
            XCTAssertEqual(UnsubscribeToken.verify(token, secret: secret)?.recipient, recipient)
        }
    }

    func testEveryAlteredByteIsRejected() {
        let token = Array(make(claims).utf8)
        for index in token.indices {
            for replacement in [token[index] ^ 0x01, token[index] ^ 0x20, UInt8(ascii: "A"), UInt8(ascii: "_")]
            where replacement != token[index] {
                var altered = token
                altered[index] = replacement
                let text = String(decoding: altered, as: UTF8.self)
                XCTAssertNil(UnsubscribeToken.verify(text, secret: secret), "byte \(index) -> \(replacement): \(text)")
            }
        }
    }

    func testWrongSecretIsRejected() {
        let token = make(claims)
        XCTAssertNil(UnsubscribeToken.verify(token, secret: Array("0123456789abcdef0123456789abcdeF".utf8)))
        XCTAssertNil(UnsubscribeToken.verify(token, secret: []))
        XCTAssertNil(UnsubscribeToken.verify(make(claims, secret: []), secret: secret))
    }

    func testMalformedTokensAreRejected() {
        let token = make(claims)
        let parts = token.split(separator: ".").map(String.init)
        let malformed = [
            "", ".", "..", "...", "v1", "v1.", "v1..", "v1.\(parts[1]).", "v1..\(parts[2])",
            "v2.\(parts[1]).\(parts[2])", "V1.\(parts[1]).\(parts[2])", "\(token).", ".\(token)",
            "\(token).\(parts[2])", "\(token)=", "v1.\(parts[1])=.\(parts[2])", " \(token)", "\(token)\n",
            "v1.\(parts[1]).\(parts[2].dropLast())", "v1.\(parts[1]).\(parts[2])A",
            "v1.\(parts[1]).\(parts[2].replacingOccurrences(of: "-", with: "+"))",
            "v1.\(parts[1].replacingOccurrences(of: "W", with: "W\u{0}")).\(parts[2])",
            String(repeating: "v1.", count: 1000), "v1.💥.💥",
        ]
        for text in malformed {
            XCTAssertNil(UnsubscribeToken.verify(text, secret: secret), text.debugDescription)
        }
    }

    /// A genuine MAC over a payload `make` would never write must still not yield claims.
    func testGenuineMACOverUnexpectedPayloadIsRejected() {
        for payload in [Array("only\none field".utf8), Array("a\nb\nc\nd".utf8), [0xFF, 0x0A, 0x41, 0x0A, 0x42]] {
            let signed = "v1." + Base64.encode(payload, urlSafe: true, padded: false)
            let mac = Digest.hmacSHA256(key: secret, data: Array(signed.utf8))
            let token = signed + "." + Base64.encode(mac, urlSafe: true, padded: false)
            XCTAssertNil(UnsubscribeToken.verify(token, secret: secret), token)
        }
    }
}
