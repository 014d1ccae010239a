import HeraldCrypto
import HeraldPluginAPI

/// Postmark's bounce and spam-complaint webhooks (PROTOCOLS §9.5). Postmark signs nothing, so the request proves
/// itself with HTTP Basic credentials set on the webhook (`HttpAuth`, or `https://user:pass@host/path`); user and
/// password are each compared in constant time, both always, so the timing does not say which one was wrong. Then
/// the one JSON record becomes at most one `ProviderEvent`. Pure.
///
/// | `RecordType` / `TypeCode` | kind | hard | reason |
/// |---|---|---|---|
/// | Bounce / 1 HardBounce | bounced | yes | the classifier's (on `Details`); else other |
/// | Bounce / 100000 BadEmailAddress | bounced | yes | user_unknown |
/// | Bounce / 100002 ManuallyDeactivated | bounced | yes | suppressed |
/// | Bounce / 2 Transient, 4096 SoftBounce | bounced | no | the classifier's; else other |
/// | Bounce / 256 DnsError | bounced | no | host_unknown |
/// | Bounce / 512 SpamNotification, 8192 VirusNotification, 100009 DMARCPolicy | bounced | no | blocked |
/// | SpamComplaint (or Bounce / 100001 SpamComplaint) | complained | no | abuse |
/// | Bounce / any other TypeCode (AutoResponder, Unsubscribe, AddressChange, …) | — (ignored) | | |
///
/// The hard and soft sets are listmonk's (PROTOCOLS §9.5). A DnsError stays soft although the classifier might call
/// its text host_unknown: Postmark itself does not deactivate the address for it.
struct PostmarkWebhook: Sendable {
    var username: String
    var password: String

    func verify(_ request: PluginHTTPRequest) throws(WebhookError) {
        guard let header = request.header("authorization"), header.lowercased().hasPrefix("basic "),
            let decoded = Base64.decode(String(header.dropFirst(6)).filter { $0 != " " }),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else {
            throw .unauthorized("the request has no HTTP Basic Authorization header")
        }
        let user = Array(decoded[..<colon])
        let pass = Array(decoded[(colon + 1)...])
        // Both comparisons always run: `&&` would skip the second, and timing would tell a wrong user from a wrong
        // password.
        let userMatches = Digest.constantTimeEqual(user, Array(username.utf8))
        let passwordMatches = Digest.constantTimeEqual(pass, Array(password.utf8))
        guard userMatches && passwordMatches else {
            throw .unauthorized("the HTTP Basic credentials do not match the configured username and password")
        }
    }

    static func event(_ body: [UInt8]) throws(WebhookError) -> ProviderEvent? {
        let json = try WebhookJSON.parse(body, what: "a Postmark bounce or spam complaint record")
        guard case .object = json else { throw .malformed("the body is not a JSON object; Postmark posts one record") }
        guard let address = json["Email"]?.stringValue.map(BounceReport.address), !address.isEmpty else { return nil }
        let messageID = WebhookJSON.messageID(json["Metadata"]?["herald_message_id"]?.stringValue)
        let details = WebhookJSON.text(json["Details"])
        var event = ProviderEvent(
            kind: .bounced, hard: false, reason: "other", address: address, status: nil,
            diagnostic: details ?? WebhookJSON.text(json["Description"]), originalMessageID: messageID,
            provider: "postmark")
        let code = json["TypeCode"]?.intValue
        if json["RecordType"]?.stringValue == "SpamComplaint" || code == 100001 {
            event.kind = .complained
            event.reason = "abuse"
            event.diagnostic = nil
            return event
        }
        guard json["RecordType"]?.stringValue == "Bounce", let code, let entry = Self.table[code] else {
            return nil
        }
        let verdict = details.map { BounceClassifier.classify(action: "failed", status: nil, diagnostic: $0) }
        event.hard = entry.hard
        event.reason = entry.reason ?? verdict.map(\.reason) ?? "other"
        event.status = verdict?.status ?? WebhookJSON.text(json["Type"])
        return event
    }

    /// TypeCode → (hard, the reason word, or nil for the classifier's).
    static let table: [Int64: (hard: Bool, reason: String?)] = [
        1: (true, nil), 100000: (true, "user_unknown"), 100002: (true, "suppressed"),
        2: (false, nil), 4096: (false, nil), 256: (false, "host_unknown"),
        512: (false, "blocked"), 8192: (false, "blocked"), 100009: (false, "blocked"),
    ]
}
