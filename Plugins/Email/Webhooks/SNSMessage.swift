import HeraldCrypto
import HeraldPluginAPI

/// One Amazon SNS HTTP(S) delivery (PROTOCOLS §9.5, after `aws/aws-php-sns-message-validator`): its fields, the
/// exact string SNS signed, and the signature check against the certificate at `SigningCertURL`. Pure: fetching
/// the certificate, checking its URL (`SNSURLRule`) and the topic are the caller's (`SNSEndpoint`).
///
/// The string to sign is `Key\nValue\n` for each key present, in this order:
///
/// | `Type` | keys |
/// |---|---|
/// | `Notification` | Message, MessageId, Subject (only if present), Timestamp, TopicArn, Type |
/// | `SubscriptionConfirmation`, `UnsubscribeConfirmation` | Message, MessageId, SubscribeURL, Timestamp, Token, |
/// | | TopicArn, Type |
///
/// `SignatureVersion` `1` is SHA1withRSA, `2` SHA256withRSA; any other version is refused, not guessed.
struct SNSMessage: Sendable, Equatable {
    enum Kind: String, Sendable {
        case notification = "Notification"
        case subscriptionConfirmation = "SubscriptionConfirmation"
        case unsubscribeConfirmation = "UnsubscribeConfirmation"
    }

    var kind: Kind
    var messageID: String
    var topicARN: String
    var subject: String?
    /// The payload: for SES, a JSON document as a string.
    var message: String
    var timestamp: String
    var signatureVersion: String
    var signature: [UInt8]
    var signingCertURL: String
    /// Confirmations only: GET it to confirm.
    var subscribeURL: String?
    var token: String?

    init(body: [UInt8]) throws(WebhookError) {
        let json = try WebhookJSON.parse(body, what: "an Amazon SNS message")
        func field(_ name: String) throws(WebhookError) -> String {
            guard let value = json[name]?.stringValue, !value.isEmpty else {
                throw .malformed("the SNS message has no \(name)")
            }
            return value
        }
        let type = try field("Type")
        guard let kind = Kind(rawValue: type) else {
            throw .malformed(
                "the SNS message Type \"\(type.prefix(40))\" is not Notification, SubscriptionConfirmation or "
                    + "UnsubscribeConfirmation")
        }
        self.kind = kind
        messageID = try field("MessageId")
        topicARN = try field("TopicArn")
        // An empty Subject is absent for signing too: the validators test "is set and not empty" alike.
        subject = json["Subject"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        guard let message = json["Message"]?.stringValue else { throw .malformed("the SNS message has no Message") }
        self.message = message
        timestamp = try field("Timestamp")
        signatureVersion = try field("SignatureVersion")
        guard let signature = Base64.decode(try field("Signature")), !signature.isEmpty else {
            throw .malformed("the SNS message's Signature is not base64")
        }
        self.signature = signature
        signingCertURL = try field("SigningCertURL")
        if kind != .notification {
            subscribeURL = try field("SubscribeURL")
            token = try field("Token")
        }
    }

    /// The bytes SNS signed: `Key\nValue\n` per key, in the order of the table above.
    var stringToSign: [UInt8] {
        var pairs: [(String, String?)] = [("Message", message), ("MessageId", messageID)]
        if kind == .notification {
            pairs += [("Subject", subject), ("Timestamp", timestamp), ("TopicArn", topicARN), ("Type", kind.rawValue)]
        } else {
            pairs += [
                ("SubscribeURL", subscribeURL), ("Timestamp", timestamp), ("Token", token), ("TopicArn", topicARN),
                ("Type", kind.rawValue),
            ]
        }
        var text = ""
        for (key, value) in pairs {
            guard let value else { continue }
            text += key + "\n" + value + "\n"
        }
        return Array(text.utf8)
    }

    /// The hash `SignatureVersion` names; nil for a version SNS does not define.
    var hash: X509Certificate.Hash? {
        switch signatureVersion {
        case "1": .sha1
        case "2": .sha256
        default: nil
        }
    }

    /// Whether `certificate`'s key signed this message with the hash its version names.
    func verify(with certificate: X509Certificate) throws(WebhookError) {
        guard let hash else {
            throw .forbidden(
                "SignatureVersion \"\(signatureVersion.prefix(10))\" is neither 1 (SHA1withRSA) nor 2 (SHA256withRSA)")
        }
        guard certificate.verifyRSA(signature: signature, message: stringToSign, hash: hash) else {
            throw .forbidden("the SNS signature does not verify with the certificate at SigningCertURL")
        }
    }
}
