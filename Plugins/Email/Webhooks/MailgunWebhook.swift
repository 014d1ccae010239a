import HeraldCrypto
import HeraldPluginAPI

/// Mailgun's webhook (PROTOCOLS §9.5, Mailgun "Securing Webhooks"): the body's `signature` object proves the sender
/// knows the webhook signing key (lower-case hex HMAC-SHA256 over `timestamp` ‖ `token`, compared in constant time),
/// its timestamp must be within `maxAge` of the clock, and each token is accepted once (`TokenReplayCache`). Then the
/// one event in `event-data` becomes at most one `ProviderEvent`. Pure but for the replay cache.
///
/// | `event` / `severity` / `reason` | kind | hard | reason |
/// |---|---|---|---|
/// | `failed` / `permanent` / `suppress-bounce` | bounced | yes | suppressed |
/// | `failed` / `permanent` / other `suppress-*` | — (ignored: not a bounce) | | |
/// | `failed` / `permanent` / `bounce`, `generic`, … | bounced | yes, unless soft (below) | classifier's |
/// | `failed` / `temporary` | delayed | no | delayed |
/// | `complained` | complained | no | abuse |
/// | `delivered`, `opened`, `clicked`, `unsubscribed`, `rejected`, … | — (ignored) | | |
///
/// The classifier reads `delivery-status` code and message; its soft reasons here are blocked, mailbox_full, suspend
/// and sender_null_mx. A permanent failure stays hard when the classifier finds nothing better than `other`: Mailgun
/// has judged it permanent and adds the address to its own bounce list.
struct MailgunWebhook: Sendable {
    var signingKey: [UInt8]
    var maxAge: Duration
    var replays: TokenReplayCache

    /// Verifies the signature and freshness, records the token, and returns the parsed body for `event(_:)`.
    func verify(_ body: [UInt8], now: Int64) throws(WebhookError) -> JSONValue {
        let json = try WebhookJSON.parse(body, what: "Mailgun's {\"signature\": {…}, \"event-data\": {…}}")
        let signature = json["signature"]
        guard let timestamp = WebhookJSON.text(signature?["timestamp"]),
            let token = signature?["token"]?.stringValue, !token.isEmpty,
            let given = signature?["signature"]?.stringValue
        else {
            throw .unauthorized("the body has no signature {timestamp, token, signature}")
        }
        let expected = Hex.lowercase(Digest.hmacSHA256(key: signingKey, data: Array((timestamp + token).utf8)))
        guard Digest.constantTimeEqual(Array(expected.utf8), Array(given.lowercased().utf8)) else {
            throw .unauthorized("the Mailgun signature does not match the configured signing key")
        }
        guard let seconds = Int64(timestamp), WebhookClock.fresh(seconds, now: now, maxAge: maxAge) else {
            throw .unauthorized(
                "the Mailgun timestamp is not within \(DurationText.format(maxAge)) of this server's clock")
        }
        // Only a signed, fresh token is remembered, so unsigned junk cannot flush the cache.
        guard replays.insert(token, at: seconds, now: now, maxAge: maxAge) else {
            throw .unauthorized("the Mailgun token was already used: a replayed request")
        }
        return json
    }

    static func event(_ json: JSONValue) -> ProviderEvent? {
        let data = json["event-data"]
        guard let address = data?["recipient"]?.stringValue.map(BounceReport.address), !address.isEmpty else {
            return nil
        }
        let messageID = WebhookJSON.messageID(data?["message"]?["headers"]?["message-id"]?.stringValue)
        var event = ProviderEvent(
            kind: .bounced, hard: false, reason: "other", address: address, status: nil, diagnostic: nil,
            originalMessageID: messageID, provider: "mailgun")
        let delivery = data?["delivery-status"]
        let code = WebhookJSON.text(delivery?["code"])
        let words = [WebhookJSON.text(delivery?["message"]), WebhookJSON.text(delivery?["description"])]
            .compactMap { $0 }.joined(separator: " ")
        let diagnostic = words.isEmpty ? nil : words
        switch (data?["event"]?.stringValue, data?["severity"]?.stringValue) {
        case ("failed", "permanent"):
            let reason = data?["reason"]?.stringValue ?? ""
            if reason == "suppress-bounce" {
                event.hard = true
                event.reason = "suppressed"
            } else if reason.hasPrefix("suppress-") {
                return nil
            } else {
                let verdict = BounceClassifier.classify(action: "failed", status: code, diagnostic: diagnostic)
                event.reason = verdict.reason
                event.hard = !["blocked", "mailbox_full", "suspend", "sender_null_mx"].contains(verdict.reason)
                event.status = verdict.status ?? code
            }
            event.diagnostic = diagnostic
            if event.status == nil { event.status = code }
        case ("failed", "temporary"):
            event.kind = .delayed
            event.reason = "delayed"
            event.status = diagnostic.flatMap(BounceClassifier.enhancedCode(in:)) ?? code
            event.diagnostic = diagnostic
        case ("complained", _):
            event.kind = .complained
            event.reason = "abuse"
        default:
            return nil
        }
        return event
    }
}
