import HeraldCrypto
import HeraldPluginAPI

/// SendGrid's signed Event Webhook (PROTOCOLS §9.5, after `sendgrid-go helpers/eventwebhook`): the ECDSA P-256
/// signature over SHA-256 of `X-Twilio-Email-Event-Webhook-Timestamp` ‖ the raw body bytes (never re-serialized), a
/// timestamp no further than `maxAge` from the clock either way (SendGrid documents no window; ten minutes by default
/// covers clock skew and slow delivery while keeping a captured request from being replayed for long), and the JSON
/// array of events as `ProviderEvent`s. Pure: the clock is an argument.
///
/// | `event` | kind | hard | reason |
/// |---|---|---|---|
/// | `bounce`, `type` `bounce` (or absent) | bounced | classifier's hard, or 5.x.x but not 5.7.x | classifier's |
/// | `bounce`, `type` `blocked` | bounced | no | classifier's |
/// | `dropped`, `reason` "Bounced Address" | bounced | yes | suppressed |
/// | `deferred` | delayed | no | delayed |
/// | `spamreport` | complained | no | abuse |
/// | `processed`, `delivered`, `open`, `click`, `unsubscribe`, other `dropped`, … | — (ignored) | | |
///
/// The classifier reads `status` and `reason`. A `type: bounce` is hard on any 5.x.x except 5.7.x because SendGrid
/// itself puts such an address on its bounce list and will not mail it again; 5.7.x (policy, reputation) is the
/// receiver refusing us, not the address gone.
struct SendGridWebhook: Sendable {
    static let timestampHeader = "x-twilio-email-event-webhook-timestamp"
    static let signatureHeader = "x-twilio-email-event-webhook-signature"

    var publicKey: P256PublicKey
    var maxAge: Duration

    /// Refuses a request whose signature is missing, is not base64 DER, or does not verify, or whose timestamp is
    /// not whole seconds within `maxAge` of `now` (seconds since the epoch).
    func verify(_ request: PluginHTTPRequest, now: Int64) throws(WebhookError) {
        guard let timestamp = request.header(Self.timestampHeader), let text = request.header(Self.signatureHeader)
        else {
            throw .unauthorized("the request has no X-Twilio-Email-Event-Webhook-Signature and -Timestamp headers")
        }
        guard let signature = Base64.decode(text.trimmingSpacesAndTabs), !signature.isEmpty else {
            throw .unauthorized("X-Twilio-Email-Event-Webhook-Signature is not base64")
        }
        var signed = Array(timestamp.utf8)
        signed.append(contentsOf: request.body)
        guard publicKey.verify(derSignature: signature, message: signed) else {
            throw .unauthorized("the SendGrid signature does not verify with the configured public_key")
        }
        // Checked after the signature, so an unsigned request learns nothing about the clock.
        guard let seconds = Int64(timestamp), WebhookClock.fresh(seconds, now: now, maxAge: maxAge) else {
            throw .unauthorized(
                "the SendGrid timestamp is not within \(DurationText.format(maxAge)) of this server's clock")
        }
    }

    static func events(_ body: [UInt8]) throws(WebhookError) -> [ProviderEvent] {
        guard case .array(let items) = try WebhookJSON.parse(body, what: "a JSON array of SendGrid events") else {
            throw .malformed("the body is not a JSON array; SendGrid posts [{\"event\": …}, …]")
        }
        return items.compactMap(event)
    }

    static func event(_ item: JSONValue) -> ProviderEvent? {
        guard let address = item["email"]?.stringValue.map(BounceReport.address), !address.isEmpty else { return nil }
        let messageID = WebhookJSON.messageID(WebhookJSON.text(item["smtp-id"]))
        var event = ProviderEvent(
            kind: .bounced, hard: false, reason: "other", address: address, status: nil, diagnostic: nil,
            originalMessageID: messageID, provider: "sendgrid")
        switch item["event"]?.stringValue {
        case "bounce":
            let status = WebhookJSON.text(item["status"])
            let reason = WebhookJSON.text(item["reason"])
            let verdict = BounceClassifier.classify(action: "failed", status: status, diagnostic: reason)
            let code = status ?? verdict.status
            event.reason = verdict.reason
            event.status = code
            event.diagnostic = reason
            if (WebhookJSON.text(item["type"]) ?? "bounce") == "bounce" {
                let permanent = code.map { $0.hasPrefix("5") && !$0.hasPrefix("5.7") } ?? false
                event.hard = verdict.kind == .hard || (permanent && verdict.kind != .configuration)
            }
        case "dropped" where WebhookJSON.text(item["reason"]) == "Bounced Address":
            event.hard = true
            event.reason = "suppressed"
            event.diagnostic = "Bounced Address"
        case "deferred":
            let response = WebhookJSON.text(item["response"])
            event.kind = .delayed
            event.reason = "delayed"
            event.status = response.flatMap(BounceClassifier.enhancedCode(in:))
            event.diagnostic = response
        case "spamreport":
            event.kind = .complained
            event.reason = "abuse"
        default:
            return nil
        }
        return event
    }
}

extension String {
    fileprivate var trimmingSpacesAndTabs: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
