import XCTest

@testable import EmailPlugin

/// Reports as real mail systems write them: Postfix's RFC 3464 DSN (with its invented 5.0.0 beside a real code
/// in the diagnostic), Exim's X-Failed-Recipients bounce (written from Exim's documented format: the two cannot be
/// installed together), an RFC 5965 ARF complaint, and a mail that is neither.
final class BounceReportTests: XCTestCase {
    private func report(_ text: String) -> BounceReport {
        BounceReport.read(ParsedMail(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)))
    }

    static let postfix = """
        Return-Path: <>
        Delivered-To: bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example
        X-Original-To: bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example
        From: MAILER-DAEMON@relay.shop.example (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        \tboundary="4F1C2A0123.1764582000/relay.shop.example"

        This is a MIME-encapsulated message.

        --4F1C2A0123.1764582000/relay.shop.example
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        <ana@example.net>: host mx.example.net[127.0.0.1] said: 550 5.1.1 User unknown
            (in reply to RCPT TO command)

        --4F1C2A0123.1764582000/relay.shop.example
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; relay.shop.example
        X-Postfix-Queue-ID: 4F1C2A0123
        Arrival-Date: Mon,  1 Dec 2026 09:00:00 +0000 (UTC)

        Final-Recipient: rfc822; ana@example.net
        Original-Recipient: rfc822;ana@example.net
        Action: failed
        Status: 5.0.0
        Remote-MTA: dns; mx.example.net
        Diagnostic-Code: smtp; 550 5.1.1 User unknown

        --4F1C2A0123.1764582000/relay.shop.example
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        Return-Path: <bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example>
        From: Kedai Contoh <news@shop.example>
        To: ana@example.net
        Subject: Your cart misses you
        Message-ID: <k2x7q4.1764581999000@shop.example>

        --4F1C2A0123.1764582000/relay.shop.example--
        """

    func testAPostfixDSNIsAttributedAndHard() throws {
        let parsed = report(Self.postfix)
        XCTAssertEqual(parsed.verpToken, "aebagbafaydqqcqmbyceb2ndmeuaddaob")
        XCTAssertEqual(parsed.originalMessageID, "<k2x7q4.1764581999000@shop.example>")
        guard case .delivery(let recipients) = parsed.kind else { return XCTFail("\(parsed.kind)") }
        XCTAssertEqual(recipients.map(\.address), ["ana@example.net"])
        XCTAssertEqual(recipients.first?.verdict, .init(kind: .hard, reason: "user_unknown", status: "5.1.1"))
    }

    static let exim = """
        Return-path: <>
        Envelope-to: bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example
        From: Mail Delivery System <Mailer-Daemon@mx.shop.example>
        To: bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example
        Subject: Mail delivery failed: returning message to sender
        Message-Id: <E1tQbXw-0003AD-Ga@mx.shop.example>
        X-Failed-Recipients: bo@example.org
        Auto-Submitted: auto-replied

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          bo@example.org
            host mx.example.org [192.0.2.7]
            SMTP error from remote mail server after RCPT TO:<bo@example.org>:
            550 5.1.1 <bo@example.org>: Recipient address rejected: User unknown in virtual mailbox table

        ------ This is a copy of the message, including all the headers. ------

        Return-path: <bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example>
        Message-ID: <b9.1764581999000@shop.example>
        Subject: Back in stock

        Your size M is back.
        """

    func testAnEximBounceIsReadFromItsFailedRecipientsAndBody() throws {
        let parsed = report(Self.exim)
        XCTAssertEqual(parsed.verpToken, "aebagbafaydqqcqmbyceb2ndmeuaddaob")
        XCTAssertEqual(parsed.originalMessageID, "<b9.1764581999000@shop.example>")
        guard case .delivery(let recipients) = parsed.kind else { return XCTFail("\(parsed.kind)") }
        XCTAssertEqual(recipients.map(\.address), ["bo@example.org"])
        XCTAssertEqual(recipients.first?.verdict, .init(kind: .hard, reason: "user_unknown", status: "5.1.1"))
        XCTAssertTrue(recipients.first?.diagnostic?.hasPrefix("550 5.1.1") ?? false)
    }

    static let arf = """
        From: <abuse@isp.example>
        To: <fbl@shop.example>
        Subject: FW: Back in stock
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="part1_13d.2e68ed54_boundary"

        --part1_13d.2e68ed54_boundary
        Content-Type: text/plain; charset="US-ASCII"

        This is an email abuse report for an email message received from IP 192.0.2.1.

        --part1_13d.2e68ed54_boundary
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Mail-From: <bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example>
        Original-Rcpt-To: <cy@example.com>
        Arrival-Date: Mon, 1 Dec 2026 09:05:00 +0000
        Source-IP: 192.0.2.1

        --part1_13d.2e68ed54_boundary
        Content-Type: message/rfc822
        Content-Disposition: inline

        From: <news@shop.example>
        To: <cy@example.com>
        Subject: Back in stock
        Message-ID: <c3.1764581999000@shop.example>

        Your size M is back.
        --part1_13d.2e68ed54_boundary--
        """

    func testAnARFReportIsAComplaintWithItsToken() {
        let parsed = report(Self.arf)
        XCTAssertEqual(parsed.kind, .feedback(type: "abuse", recipient: "cy@example.com"))
        XCTAssertEqual(parsed.verpToken, "aebagbafaydqqcqmbyceb2ndmeuaddaob", "from Original-Mail-From")
        XCTAssertEqual(parsed.originalMessageID, "<c3.1764581999000@shop.example>")
    }

    func testAMailThatIsNoReportIsUnknown() {
        let parsed = report("From: someone@example.com\nSubject: hello\n\nJust a reply, not a bounce.\n")
        XCTAssertEqual(parsed.kind, .unknown)
        XCTAssertNil(parsed.verpToken)
    }

    /// The fallback: qmail's text bounce (no DSN part, no X-Failed-Recipients) is read by the first SMTP reply in
    /// its text; the original's Message-ID below qmail's marker line.
    func testTheFallbackReadsTheFirstSMTPReplyOfAQmailBounce() {
        let parsed = report("""
            From: MAILER-DAEMON@mx.example.org
            To: bounces+aebagbafaydqqcqmbyceb2ndmeuaddaob@shop.example
            Subject: failure notice

            Hi. This is the qmail-send program at mx.example.org.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <ida@example.org>:
            192.0.2.7 does not like recipient.
            Remote host said: 550 5.1.1 <ida@example.org>... User unknown
            Giving up on 192.0.2.7.

            --- Below this line is a copy of the message.

            Message-ID: <q1.herald@shop.example>
            Subject: Your September update
            """)
        guard case .delivery(let recipients) = parsed.kind else { return XCTFail("\(parsed.kind)") }
        XCTAssertEqual(recipients.map(\.verdict), [BounceClassifier.Verdict(kind: .hard, reason: "user_unknown", status: "5.1.1")])
        XCTAssertEqual(recipients.first?.diagnostic, "550 5.1.1 <ida@example.org>... User unknown")
        XCTAssertEqual(parsed.verpToken, "aebagbafaydqqcqmbyceb2ndmeuaddaob")
        XCTAssertEqual(parsed.originalMessageID, "<q1.herald@shop.example>")
        XCTAssertEqual(report("From: a@b.example\nSubject: re\n\nCall me at 555 1234, or 450 times.\n").kind, .unknown)
    }
}
