import HeraldPluginAPI
import XCTest

@testable import EmailPlugin

/// Each provider's rule table (the doc comments of `SESNotification`, `SendGridWebhook`, `MailgunWebhook`,
/// `PostmarkWebhook`), one row per line of the table: which events become which kind, hard or soft, with which
/// reason, status and Message-ID, and which are ignored.
final class ProviderEventMappingTests: XCTestCase {
    typealias Row = (name: String, json: String, kind: ProviderEvent.Kind?, hard: Bool, reason: String, status: String?)

    private func check(_ rows: [Row], map: (String) throws -> [ProviderEvent], file: StaticString = #filePath, line: UInt = #line) throws {
        for row in rows {
            let events = try map(row.json)
            guard let kind = row.kind else {
                XCTAssertEqual(events, [], row.name, file: file, line: line)
                continue
            }
            XCTAssertEqual(events.count, 1, row.name, file: file, line: line)
            guard let event = events.first else { continue }
            XCTAssertEqual(event.kind, kind, row.name, file: file, line: line)
            XCTAssertEqual(event.hard, row.hard, row.name, file: file, line: line)
            XCTAssertEqual(event.reason, row.reason, row.name, file: file, line: line)
            XCTAssertEqual(event.status, row.status, row.name, file: file, line: line)
            XCTAssertEqual(event.address, "ana@example.com", row.name, file: file, line: line)
        }
    }

    func testSES() throws {
        func bounce(_ type: String, _ subtype: String, _ recipient: [String: Any] = [:]) -> String {
            WebhookFixtures.sesBounce(
                type: type, subtype: subtype, recipients: [recipient.merging(["emailAddress": "ana@example.com"]) { $1 }])
        }
        let dsn: [String: Any] = ["action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"]
        let policy: [String: Any] = ["action": "failed", "status": "5.7.1", "diagnosticCode": "smtp; 550 5.7.1 policy"]
        let full: [String: Any] = ["action": "failed", "status": "5.2.2", "diagnosticCode": "smtp; 552 5.2.2 mailbox full"]
        let rows: [Row] = [
            ("permanent general with DSN", bounce("Permanent", "General", dsn), .bounced, true, "user_unknown", "5.1.1"),
            ("permanent general, no DSN", bounce("Permanent", "General"), .bounced, true, "other", nil),
            ("permanent general, 5.7.1 policy", bounce("Permanent", "General", policy), .bounced, false, "blocked", "5.7.1"),
            ("permanent noemail, no DSN", bounce("Permanent", "NoEmail"), .bounced, true, "user_unknown", nil),
            ("permanent noemail, 5.7.1 still hard", bounce("Permanent", "NoEmail", policy), .bounced, true, "blocked", "5.7.1"),
            ("permanent suppressed", bounce("Permanent", "Suppressed", dsn), .bounced, true, "suppressed", "5.1.1"),
            ("account suppression list", bounce("Permanent", "OnAccountSuppressionList"), .bounced, true, "suppressed", nil),
            ("transient mailbox full", bounce("Transient", "MailboxFull", full), .bounced, false, "mailbox_full", "5.2.2"),
            ("transient mailbox full, no DSN", bounce("Transient", "MailboxFull"), .bounced, false, "mailbox_full", nil),
            ("transient content rejected", bounce("Transient", "ContentRejected"), .bounced, false, "blocked", nil),
            ("transient general with 5.1.1", bounce("Transient", "General", dsn), .bounced, false, "user_unknown", "5.1.1"),
            ("undetermined", bounce("Undetermined", "Undetermined"), .bounced, false, "other", nil),
            (
                "complaint", WebhookFixtures.text([
                    "notificationType": "Complaint",
                    "complaint": ["complainedRecipients": [["emailAddress": "ana@example.com"]], "complaintFeedbackType": "abuse"],
                ]), .complained, false, "abuse", nil
            ),
            (
                "complaint, no feedback type, event publishing", WebhookFixtures.text([
                    "eventType": "Complaint", "complaint": ["complainedRecipients": [["emailAddress": "ana@example.com"]]],
                ]), .complained, false, "abuse", nil
            ),
            (
                "complaint on suppression list", WebhookFixtures.text([
                    "notificationType": "Complaint",
                    "complaint": [
                        "complainedRecipients": [["emailAddress": "ana@example.com"]], "complaintSubType": "OnAccountSuppressionList",
                    ],
                ]), .complained, false, "suppressed", nil
            ),
            ("delivery", WebhookFixtures.text(["notificationType": "Delivery", "delivery": ["recipients": ["ana@example.com"]]]), nil, false, "", nil),
            ("open", WebhookFixtures.text(["eventType": "Open"]), nil, false, "", nil),
        ]
        try check(rows) { SESNotification.events(try JSONParser.parse(Array($0.utf8))) }
    }

    func testSESKeepsTheOriginalMessageIDAndEveryRecipient() throws {
        let json = WebhookFixtures.sesBounce(
            type: "Permanent", subtype: "General",
            recipients: [["emailAddress": "ana@example.com"], ["emailAddress": "Bo <bo@example.com>"], ["status": "5.1.1"]],
            eventType: true)
        let events = SESNotification.events(try JSONParser.parse(Array(json.utf8)))
        XCTAssertEqual(events.map(\.address), ["ana@example.com", "bo@example.com"], "a recipient without an address is dropped")
        XCTAssertEqual(events.map(\.originalMessageID), ["<abc123@shop.example>", "<abc123@shop.example>"], "not mail.messageId")
        XCTAssertEqual(events.map(\.provider), ["ses", "ses"])
    }

    func testSendGrid() throws {
        func event(_ fields: [String: Any]) -> String {
            WebhookFixtures.text([fields.merging(["email": "ana@example.com", "timestamp": 1_700_000_000]) { $1 }])
        }
        let rows: [Row] = [
            ("bounce 5.1.1", event(["event": "bounce", "type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 user unknown"]), .bounced, true, "user_unknown", "5.1.1"),
            ("bounce 5.2.2 is hard at SendGrid", event(["event": "bounce", "type": "bounce", "status": "5.2.2", "reason": "552 mailbox full"]), .bounced, true, "mailbox_full", "5.2.2"),
            ("bounce 5.7.1 stays soft", event(["event": "bounce", "type": "bounce", "status": "5.7.1", "reason": "550 5.7.1 rejected by policy"]), .bounced, false, "blocked", "5.7.1"),
            ("bounce without type", event(["event": "bounce", "status": "5.0.0", "reason": "550 no such user"]), .bounced, true, "user_unknown", "5.0.0"),
            ("bounce 4.x soft", event(["event": "bounce", "type": "bounce", "status": "4.4.7", "reason": "delivery time expired"]), .bounced, false, "other", "4.4.7"),
            ("blocked", event(["event": "bounce", "type": "blocked", "status": "5.1.1", "reason": "550 5.1.1 user unknown"]), .bounced, false, "user_unknown", "5.1.1"),
            ("blocked without status", event(["event": "bounce", "type": "blocked", "reason": "blocked by spamhaus"]), .bounced, false, "blocked", nil),
            ("dropped bounced address", event(["event": "dropped", "reason": "Bounced Address"]), .bounced, true, "suppressed", nil),
            ("dropped unsubscribed", event(["event": "dropped", "reason": "Unsubscribed Address"]), nil, false, "", nil),
            ("deferred", event(["event": "deferred", "response": "451 4.7.650 try again later", "attempt": "1"]), .delayed, false, "delayed", "4.7.650"),
            ("spamreport", event(["event": "spamreport"]), .complained, false, "abuse", nil),
            ("delivered", event(["event": "delivered", "response": "250 OK"]), nil, false, "", nil),
            ("open", event(["event": "open"]), nil, false, "", nil),
            ("processed", event(["event": "processed"]), nil, false, "", nil),
        ]
        try check(rows) { try SendGridWebhook.events(Array($0.utf8)) }
        let withID = try SendGridWebhook.events(
            WebhookFixtures.json([["email": "ana@example.com", "event": "spamreport", "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>"]]))
        XCTAssertEqual(withID.first?.originalMessageID, "<14c5d75ce93.dfd.64b469@ismtpd-555>")
        XCTAssertEqual(withID.first?.provider, "sendgrid")
    }

    func testMailgun() throws {
        func event(_ fields: [String: Any]) -> String {
            WebhookFixtures.text([
                "event-data": fields.merging([
                    "recipient": "ana@example.com", "message": ["headers": ["message-id": "20260101.abc@shop.example"]],
                ]) { $1 },
            ])
        }
        func status(_ code: Int, _ message: String) -> [String: Any] { ["code": code, "message": message, "description": ""] }
        let rows: [Row] = [
            ("permanent 5.1.1", event(["event": "failed", "severity": "permanent", "reason": "bounce", "delivery-status": status(550, "5.1.1 The email account does not exist")]), .bounced, true, "user_unknown", "5.1.1"),
            ("permanent, nothing better than other", event(["event": "failed", "severity": "permanent", "reason": "generic", "delivery-status": status(550, "rejected")]), .bounced, true, "other", "550"),
            ("permanent mailbox full", event(["event": "failed", "severity": "permanent", "reason": "bounce", "delivery-status": status(552, "5.2.2 mailbox full")]), .bounced, false, "mailbox_full", "5.2.2"),
            ("permanent blocked", event(["event": "failed", "severity": "permanent", "reason": "bounce", "delivery-status": status(554, "5.7.1 blocked by policy")]), .bounced, false, "blocked", "5.7.1"),
            ("permanent suspended", event(["event": "failed", "severity": "permanent", "reason": "bounce", "delivery-status": status(550, "account disabled")]), .bounced, false, "suspend", "550"),
            ("suppress-bounce", event(["event": "failed", "severity": "permanent", "reason": "suppress-bounce", "delivery-status": status(605, "Not delivering to previously bounced address")]), .bounced, true, "suppressed", "605"),
            ("suppress-unsubscribe", event(["event": "failed", "severity": "permanent", "reason": "suppress-unsubscribe"]), nil, false, "", nil),
            ("temporary", event(["event": "failed", "severity": "temporary", "reason": "generic", "delivery-status": status(452, "4.2.2 over quota")]), .delayed, false, "delayed", "4.2.2"),
            ("complained", event(["event": "complained"]), .complained, false, "abuse", nil),
            ("delivered", event(["event": "delivered"]), nil, false, "", nil),
            ("opened", event(["event": "opened"]), nil, false, "", nil),
        ]
        try check(rows) { text in MailgunWebhook.event(try JSONParser.parse(Array(text.utf8))).map { [$0] } ?? [] }
        let one = MailgunWebhook.event(try JSONParser.parse(Array(event(["event": "complained"]).utf8)))
        XCTAssertEqual(one?.originalMessageID, "<20260101.abc@shop.example>", "angle brackets added")
        XCTAssertEqual(one?.provider, "mailgun")
    }

    func testPostmark() throws {
        func record(_ type: String, _ code: Int, record: String = "Bounce", details: String = "") -> String {
            WebhookFixtures.text([
                "RecordType": record, "Type": type, "TypeCode": code, "Email": "ana@example.com", "Details": details,
                "Description": "The server was unable to deliver your message", "ID": 42,
            ])
        }
        let rows: [Row] = [
            ("hard bounce", record("HardBounce", 1, details: "smtp;550 5.1.1 The email account that you tried to reach does not exist"), .bounced, true, "user_unknown", "5.1.1"),
            ("hard bounce, no details", record("HardBounce", 1), .bounced, true, "other", "HardBounce"),
            ("bad address", record("BadEmailAddress", 100000), .bounced, true, "user_unknown", "BadEmailAddress"),
            ("manually deactivated", record("ManuallyDeactivated", 100002), .bounced, true, "suppressed", "ManuallyDeactivated"),
            ("transient", record("Transient", 2, details: "452 4.2.2 mailbox full"), .bounced, false, "mailbox_full", "4.2.2"),
            ("soft bounce", record("SoftBounce", 4096), .bounced, false, "other", "SoftBounce"),
            ("dns error", record("DnsError", 256, details: "host not found"), .bounced, false, "host_unknown", "DnsError"),
            ("spam notification", record("SpamNotification", 512), .bounced, false, "blocked", "SpamNotification"),
            ("virus notification", record("VirusNotification", 8192), .bounced, false, "blocked", "VirusNotification"),
            ("dmarc", record("DMARCPolicy", 100009), .bounced, false, "blocked", "DMARCPolicy"),
            ("spam complaint", record("SpamComplaint", 100001, record: "SpamComplaint"), .complained, false, "abuse", nil),
            ("auto responder", record("AutoResponder", 64), nil, false, "", nil),
            ("unsubscribe", record("Unsubscribe", 16), nil, false, "", nil),
            ("delivery", WebhookFixtures.text(["RecordType": "Delivery", "Recipient": "ana@example.com"]), nil, false, "", nil),
        ]
        try check(rows) { try PostmarkWebhook.event(Array($0.utf8)).map { [$0] } ?? [] }
        let tagged = try PostmarkWebhook.event(WebhookFixtures.json([
            "RecordType": "Bounce", "TypeCode": 1, "Email": "ana@example.com", "Metadata": ["herald_message_id": "m1@shop.example"],
        ]))
        XCTAssertEqual(tagged?.originalMessageID, "<m1@shop.example>")
        XCTAssertNil(try PostmarkWebhook.event(Array(record("HardBounce", 1).utf8))?.originalMessageID)
    }
}
