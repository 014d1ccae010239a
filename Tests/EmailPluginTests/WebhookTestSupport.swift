import CryptoTestSupport
import Foundation
import HeraldCrypto
import HeraldPluginAPI

@testable import EmailPlugin

/// Provider-side builders for the webhook tests: SNS envelopes signed exactly as AWS documents (the string to sign
/// assembled here by hand, not by `SNSMessage`, so the two are checked against each other), SendGrid and Mailgun
/// signatures, and JSON bodies. Every key is generated fresh by libcrypto (`TestKeyPair`).
enum WebhookFixtures {
    static let topic = "arn:aws:sns:us-east-1:123456789012:ses-bounces"
    static let certURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
    static let subscribeURL =
        "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=\(topic)&Token=2336412f37"

    static func json(_ object: Any) -> [UInt8] {
        // Sorted keys only for stable test output; the verifiers never depend on key order in the body.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            preconditionFailure("not JSON-serializable: \(object)")
        }
        return Array(data)
    }

    static func text(_ object: Any) -> String { String(decoding: json(object), as: UTF8.self) }

    /// An SNS delivery of `type`, signed by `signer` with version `version` ("1": SHA-1, "2": SHA-256).
    static func sns(
        type: String = "Notification", message: String, subject: String? = nil, topic: String = topic,
        certURL: String = certURL, subscribeURL: String = subscribeURL, version: String = "1", signer: TestKeyPair,
        edit: (inout [String: Any]) -> Void = { _ in }
    ) -> [UInt8] {
        var fields: [String: Any] = [
            "Type": type, "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "TopicArn": topic,
            "Message": message, "Timestamp": "2026-10-14T09:55:06.123Z", "SignatureVersion": version,
            "SigningCertURL": certURL,
        ]
        let keys: [String]
        if type == "Notification" {
            if let subject { fields["Subject"] = subject }
            keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        } else {
            fields["SubscribeURL"] = subscribeURL
            fields["Token"] = "2336412f37fb687f5d51e6e2425"
            keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        }
        var signed = ""
        for key in keys {
            guard let value = fields[key] as? String else { continue }
            signed += "\(key)\n\(value)\n"
        }
        let signature = signer.sign(Array(signed.utf8), digest: version == "2" ? .sha256 : .sha1)
        fields["Signature"] = Base64.encode(signature)
        edit(&fields)
        return json(fields)
    }

    /// An SES bounce notification (the JSON that goes into an SNS `Message`).
    static func sesBounce(
        type: String, subtype: String, recipients: [[String: Any]], eventType: Bool = false
    ) -> String {
        text([
            eventType ? "eventType" : "notificationType": "Bounce",
            "mail": [
                "messageId": "0100018f-ses-own-id", "source": "news@shop.example",
                "destination": recipients.compactMap { $0["emailAddress"] },
                "headers": [
                    ["name": "From", "value": "news@shop.example"],
                    ["name": "Message-ID", "value": "<abc123@shop.example>"],
                ],
            ],
            "bounce": ["bounceType": type, "bounceSubType": subtype, "bouncedRecipients": recipients],
        ])
    }

    /// `X-Twilio-Email-Event-Webhook-*` headers for `body` at `timestamp`.
    static func sendGridHeaders(_ body: [UInt8], timestamp: Int64, signer: TestKeyPair) -> [(name: String, value: String)] {
        let signature = signer.sign(Array(String(timestamp).utf8) + body)
        return [
            ("x-twilio-email-event-webhook-signature", Base64.encode(signature)),
            ("x-twilio-email-event-webhook-timestamp", String(timestamp)),
        ]
    }

    /// A Mailgun body with `eventData`, signed with `key` (HMAC-SHA256 via libcrypto directly).
    static func mailgun(
        _ eventData: [String: Any], key: String, timestamp: Int64, token: String = randomToken(),
        flipSignature: Bool = false
    ) -> [UInt8] {
        var mac = Libcrypto.hmac(key: Array(key.utf8), Array((String(timestamp) + token).utf8))
        if flipSignature { mac[mac.count - 1] ^= 0x01 }
        return json([
            "signature": ["timestamp": String(timestamp), "token": token, "signature": Hex.lowercase(mac)],
            "event-data": eventData,
        ])
    }

    /// 50 characters, like Mailgun's.
    static func randomToken() -> String { String(Hex.lowercase(Digest.randomBytes(25))) }

    static func basic(_ user: String, _ password: String) -> (name: String, value: String) {
        ("authorization", "Basic " + Base64.encode(Array("\(user):\(password)".utf8)))
    }

    static func post(_ path: String, _ body: [UInt8], headers: [(name: String, value: String)] = []) -> PluginHTTPRequest {
        PluginHTTPRequest(method: .post, path: path, headers: headers, body: body)
    }
}
