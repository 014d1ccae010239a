import CryptoTestSupport
import HeraldCrypto
import XCTest

@testable import EmailPlugin

/// The SNS envelope: both signature versions verify with the certificate's key, the string to sign has AWS's key
/// order for each message type, and anything altered, mis-versioned or signed by another key is refused.
final class SNSMessageTests: XCTestCase {
    let signer = TestKeyPair.rsa()
    var certificate: X509Certificate!

    override func setUpWithError() throws {
        certificate = try X509Certificate(pem: signer.selfSignedCertificatePEM())
    }

    func testVersionsOneAndTwoVerify() throws {
        for version in ["1", "2"] {
            for subject in [nil, "Amazon SES Email Event Notification"] {
                let body = WebhookFixtures.sns(message: "{\"a\":1}", subject: subject, version: version, signer: signer)
                let message = try SNSMessage(body: body)
                XCTAssertEqual(message.kind, .notification)
                XCTAssertEqual(message.subject, subject)
                XCTAssertEqual(message.hash, version == "1" ? .sha1 : .sha256)
                XCTAssertNoThrow(try message.verify(with: certificate), "version \(version), subject \(subject ?? "-")")
            }
        }
    }

    func testConfirmationsSignTheirOwnKeys() throws {
        for type in ["SubscriptionConfirmation", "UnsubscribeConfirmation"] {
            for version in ["1", "2"] {
                let body = WebhookFixtures.sns(type: type, message: "You have chosen to …", version: version, signer: signer)
                let message = try SNSMessage(body: body)
                XCTAssertEqual(message.kind.rawValue, type)
                XCTAssertEqual(message.subscribeURL, WebhookFixtures.subscribeURL)
                XCTAssertNoThrow(try message.verify(with: certificate), "\(type) v\(version)")
                let text = String(decoding: message.stringToSign, as: UTF8.self)
                XCTAssertTrue(text.hasPrefix("Message\nYou have chosen to …\nMessageId\n"), text)
                XCTAssertTrue(text.hasSuffix("Token\n2336412f37fb687f5d51e6e2425\nTopicArn\n\(WebhookFixtures.topic)\nType\n\(type)\n"), text)
            }
        }
    }

    func testTamperingAndWrongVersionsAreRefused() throws {
        let good = WebhookFixtures.sns(message: "{\"a\":1}", version: "2", signer: signer)
        let cases: [(String, [UInt8])] = [
            ("message changed", WebhookFixtures.sns(message: "{\"a\":1}", version: "2", signer: signer) { $0["Message"] = "{\"a\":2}" }),
            ("topic changed", WebhookFixtures.sns(message: "{}", version: "2", signer: signer) { $0["TopicArn"] = "arn:aws:sns:us-east-1:1:other" }),
            ("subject added", WebhookFixtures.sns(message: "{}", version: "2", signer: signer) { $0["Subject"] = "hi" }),
            ("signed SHA-1, says 2", WebhookFixtures.sns(message: "{}", version: "1", signer: signer) { $0["SignatureVersion"] = "2" }),
            ("signed SHA-256, says 1", WebhookFixtures.sns(message: "{}", version: "2", signer: signer) { $0["SignatureVersion"] = "1" }),
            ("version 3", WebhookFixtures.sns(message: "{}", version: "2", signer: signer) { $0["SignatureVersion"] = "3" }),
            ("another key", WebhookFixtures.sns(message: "{}", version: "2", signer: TestKeyPair.rsa())),
        ]
        XCTAssertNoThrow(try SNSMessage(body: good).verify(with: certificate))
        for (name, body) in cases {
            let message = try SNSMessage(body: body)
            XCTAssertThrowsError(try message.verify(with: certificate), name) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 403, name)
            }
        }
    }

    func testMalformedEnvelopesAreRefusedAs400() {
        let bodies: [[UInt8]] = [
            Array("not json".utf8), Array("[]".utf8),
            WebhookFixtures.json(["Type": "Notification"]),
            WebhookFixtures.sns(message: "{}", signer: signer) { $0["Type"] = "UnsubscriptionConfirmation" },
            WebhookFixtures.sns(message: "{}", signer: signer) { $0["Signature"] = "!!!" },
            WebhookFixtures.sns(type: "SubscriptionConfirmation", message: "{}", signer: signer) { $0["SubscribeURL"] = nil },
        ]
        for body in bodies {
            XCTAssertThrowsError(try SNSMessage(body: body)) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 400, String(decoding: body, as: UTF8.self))
            }
        }
    }

    func testURLRules() {
        let amazon = SNSURLRule.amazon
        for url in [
            WebhookFixtures.certURL, "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem",
            "https://SNS.eu-west-1.AmazonAWS.com/a.pem", "https://sns.us-east-1.amazonaws.com:443/a.pem",
        ] {
            XCTAssertNoThrow(try amazon.checkCertificate(url), url)
        }
        for url in [
            "http://sns.us-east-1.amazonaws.com/a.pem", "https://sns.us-east-1.amazonaws.com/a.pem.txt",
            "https://sns.us-east-1.amazonaws.com/a.txt?x=.pem", "https://sns.evil.example/a.pem",
            "https://sns.us-east-1.amazonaws.com.evil.example/a.pem", "https://evil.example/sns.us-east-1.amazonaws.com/a.pem",
            "https://sns.us-east-1.amazonaws.com@evil.example/a.pem", "https://x@sns.us-east-1.amazonaws.com/a.pem",
            "https://sns.ab.amazonaws.com/a.pem", "https://sns.us.east.amazonaws.com/a.pem",
            "https://sqs.us-east-1.amazonaws.com/a.pem", "https:///a.pem", "https://sns.us-east-1.amazonaws.com:x/a.pem",
            "https://127.0.0.1/a.pem",
        ] {
            XCTAssertThrowsError(try amazon.checkCertificate(url), url) { error in
                XCTAssertEqual((error as? WebhookError)?.status, 403, url)
            }
        }
        XCTAssertNoThrow(try amazon.checkSubscribe(WebhookFixtures.subscribeURL))
        XCTAssertThrowsError(try amazon.checkSubscribe("https://evil.example/?Action=ConfirmSubscription"))
        let loopback = SNSURLRule.exact(["127.0.0.1"])
        XCTAssertNoThrow(try loopback.checkCertificate("https://127.0.0.1:8443/cert.pem"))
        XCTAssertThrowsError(try loopback.checkCertificate(WebhookFixtures.certURL), "the exact list replaces AWS's rule")
        XCTAssertThrowsError(try loopback.checkCertificate("http://127.0.0.1:8443/cert.pem"))
        XCTAssertEqual(SNSURLRule.split("https://[::1]:8443/c.pem")?.host, "::1")
    }
}
