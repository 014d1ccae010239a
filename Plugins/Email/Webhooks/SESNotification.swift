import HeraldPluginAPI

/// Amazon SES's bounce and complaint notifications (the JSON inside an SNS `Message`, PROTOCOLS §9.5) as
/// `ProviderEvent`s, one per recipient. Pure. `notificationType` (topic notifications) or `eventType`
/// (configuration-set event publishing) picks the kind; `Delivery` and every other type give no events.
///
/// | SES says | kind | hard | reason |
/// |---|---|---|---|
/// | Bounce, `Permanent` / `NoEmail` | bounced | yes | the classifier's, from the DSN; else user_unknown |
/// | Bounce, `Permanent` / `Suppressed`, `OnAccountSuppressionList` | bounced | yes | suppressed |
/// | Bounce, `Permanent` / `General` (or other) | bounced | yes, unless the DSN is X.7.x | classifier's; else other |
/// | Bounce, `Transient` / any | bounced | no | classifier's; else by subtype: mailbox_full, blocked, other |
/// | Bounce, `Undetermined` | bounced | no | classifier's; else other |
/// | Complaint | complained | no | `complaintFeedbackType` (abuse, fraud, …), else abuse |
/// | Complaint, `complaintSubType` `OnAccountSuppressionList` | complained | no | suppressed |
///
/// A `Permanent`/`General` bounce whose DSN status is X.7.x (policy, reputation, authentication: the classifier's
/// `blocked`, or `sender_null_mx`) is soft: the receiving server refused *us*, the address may be fine, and Herald's
/// own bounce classifier treats the same DSN as soft. `NoEmail` and the suppression subtypes are SES saying the
/// address is gone, so they stay hard whatever the DSN says. The classifier is asked only when SES attached a DSN
/// (`status` or `diagnosticCode`); its `action` is taken as `failed` when SES left it out.
enum SESNotification {
    static func events(_ message: JSONValue) -> [ProviderEvent] {
        let type = message["notificationType"]?.stringValue ?? message["eventType"]?.stringValue
        let messageID = originalMessageID(message["mail"])
        switch type {
        case "Bounce": return bounces(message["bounce"], messageID: messageID)
        case "Complaint": return complaints(message["complaint"], messageID: messageID)
        default: return []
        }
    }

    private static func bounces(_ bounce: JSONValue?, messageID: String?) -> [ProviderEvent] {
        let type = bounce?["bounceType"]?.stringValue ?? "Undetermined"
        let subtype = bounce?["bounceSubType"]?.stringValue ?? ""
        return recipients(bounce?["bouncedRecipients"]).map { recipient in
            let address = BounceReport.address(recipient["emailAddress"]?.stringValue ?? "")
            let status = WebhookJSON.text(recipient["status"])
            let diagnostic = WebhookJSON.text(recipient["diagnosticCode"])
            var verdict: BounceClassifier.Verdict?
            if status != nil || diagnostic != nil {
                verdict = BounceClassifier.classify(
                    action: WebhookJSON.text(recipient["action"]) ?? "failed", status: status, diagnostic: diagnostic)
            }
            let (hard, reason) = judge(type: type, subtype: subtype, verdict: verdict)
            return ProviderEvent(
                kind: .bounced, hard: hard, reason: reason, address: address, status: status ?? verdict?.status,
                diagnostic: diagnostic, originalMessageID: messageID, provider: "ses")
        }.filter { !$0.address.isEmpty }
    }

    /// The table above, for one recipient.
    static func judge(type: String, subtype: String, verdict: BounceClassifier.Verdict?) -> (Bool, String) {
        let refusedUs = verdict.map { $0.kind == .configuration || $0.reason == "blocked" } ?? false
        switch (type, subtype) {
        case ("Permanent", "Suppressed"), ("Permanent", "OnAccountSuppressionList"): return (true, "suppressed")
        case ("Permanent", "NoEmail"): return (true, verdict?.reason ?? "user_unknown")
        case ("Permanent", _): return (!refusedUs, verdict?.reason ?? "other")
        case ("Transient", "MailboxFull"): return (false, verdict?.reason ?? "mailbox_full")
        case ("Transient", "ContentRejected"), ("Transient", "AttachmentRejected"):
            return (false, verdict?.reason ?? "blocked")
        default: return (false, verdict?.reason ?? "other")
        }
    }

    private static func complaints(_ complaint: JSONValue?, messageID: String?) -> [ProviderEvent] {
        var reason = WebhookJSON.text(complaint?["complaintFeedbackType"])?.lowercased() ?? "abuse"
        if complaint?["complaintSubType"]?.stringValue == "OnAccountSuppressionList" { reason = "suppressed" }
        return recipients(complaint?["complainedRecipients"]).compactMap { recipient in
            let address = BounceReport.address(recipient["emailAddress"]?.stringValue ?? "")
            guard !address.isEmpty else { return nil }
            return ProviderEvent(
                kind: .complained, hard: false, reason: reason, address: address, status: nil, diagnostic: nil,
                originalMessageID: messageID, provider: "ses")
        }
    }

    private static func recipients(_ list: JSONValue?) -> [JSONValue] {
        guard case .array(let items)? = list else { return [] }
        return items
    }

    /// The `Message-ID` among `mail.headers` (the headers as sent; SES rewrites the ones it delivers), not
    /// `mail.messageId`, which is SES's own id.
    private static func originalMessageID(_ mail: JSONValue?) -> String? {
        guard case .array(let headers)? = mail?["headers"] else { return nil }
        let header = headers.first { $0["name"]?.stringValue?.lowercased() == "message-id" }
        return WebhookJSON.messageID(header?["value"]?.stringValue)
    }
}
