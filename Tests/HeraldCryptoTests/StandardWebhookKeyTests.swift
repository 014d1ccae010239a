import HeraldCrypto
import XCTest

/// The one Standard Webhooks signer: the reference vector, and what `whsec_` text is taken as a key.
final class StandardWebhookKeyTests: XCTestCase {
    /// PROTOCOLS §5.3, the vector the reference libraries test against.
    func testSignatureMatchesTheReferenceVector() throws {
        let key = try StandardWebhookKey(parsing: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        XCTAssertEqual(key.bytes.count, 24)
        XCTAssertEqual(
            key.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8)),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        XCTAssertEqual(try StandardWebhookKey(parsing: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), key, "the prefix is optional")
    }

    func testSecretsThatAreNotKeys() {
        let cases: [(String, StandardWebhookKey.ParseError)] = [
            ("whsec_c2hvcnQ=", .length(5)),
            ("whsec_not base64!", .notBase64),
            ("whsec_" + Base64.encode([UInt8](repeating: 1, count: 65)), .length(65)),
            ("whsec_" + Base64.encode([UInt8](repeating: 1, count: 23)), .length(23)),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try StandardWebhookKey(parsing: text), text) { error in
                XCTAssertEqual(error as? StandardWebhookKey.ParseError, expected, text)
            }
        }
        XCTAssertNoThrow(try StandardWebhookKey(parsing: "whsec_" + Base64.encode([UInt8](repeating: 1, count: 64))))
    }
}
