import HeraldPluginAPI
import HeraldTransport
import XCTest

@testable import EmailPlugin

/// The classifier's rule table (EmailClassifier's doc comment, README.md), one row per rule.
final class EmailClassifierTests: XCTestCase {
    private func failed(_ code: Int, _ text: String, curl: Int = 55) -> SMTPResponse {
        SMTPResponse(reply: SMTPReply(code: code, text: text), error: TransportError(curlCode: curl, message: "failed"))
    }

    func testRuleTable() {
        let rows: [(SMTPResponse, String)] = [
            (SMTPResponse(reply: SMTPReply(code: 250, text: "2.0.0 Ok: queued as 4XyZ"), error: nil), "delivered"),
            (failed(421, "4.7.0 Too many connections"), "throttled"),
            (failed(421, "Service not available"), "throttled"),
            (failed(451, "4.7.1 Rate limit exceeded"), "throttled"),
            (failed(450, "4.7.28 Our system has detected an unusual rate"), "throttled"),
            (failed(450, "4.2.1 Mailbox busy"), "transient"),
            (failed(451, "4.3.0 Local error"), "transient"),
            (failed(452, "4.5.3 Too many recipients"), "transient"),
            (failed(454, "4.7.0 Temporary authentication failure", curl: 67), "transient"),
            (failed(432, "4.7.12 A password transition is needed", curl: 67), "credentials_invalid"),
            (failed(535, "5.7.8 Authentication credentials invalid", curl: 67), "credentials_invalid"),
            (failed(530, "5.7.0 Authentication required"), "credentials_invalid"),
            (failed(550, "5.7.13 User account disabled"), "credentials_invalid"),
            (failed(550, "5.1.1 <x@example.net>: Recipient address rejected"), "recipient_invalid"),
            (failed(550, "5.1.10 Null MX"), "recipient_invalid"),
            (failed(550, "5.2.1 Mailbox disabled"), "recipient_invalid"),
            (failed(551, "User not local"), "recipient_invalid"),
            (failed(553, "Mailbox name not allowed"), "recipient_invalid"),
            (failed(552, "5.2.2 Mailbox full"), "transient"),
            (failed(552, "5.3.4 Message too big"), "permanent"),
            (failed(550, "5.7.1 Rejected by policy"), "permanent"),
            (failed(550, "Mailbox unavailable"), "permanent"),
            (failed(554, "Transaction failed"), "permanent"),
            (failed(500, "5.5.2 Syntax error"), "permanent"),
            (SMTPResponse(reply: nil, error: TransportError(curlCode: 7, message: "refused")), "transient"),
            (SMTPResponse(reply: nil, error: TransportError(curlCode: 28, message: "timeout")), "transient"),
            (SMTPResponse(reply: nil, error: TransportError(curlCode: 60, message: "bad cert")), "credentials_invalid"),
            (SMTPResponse(reply: nil, error: TransportError(curlCode: 64, message: "STARTTLS refused")), "credentials_invalid"),
            (SMTPResponse(reply: SMTPReply(code: 354, text: "go ahead"), error: TransportError(curlCode: 56, message: "reset")),
             "transient"),
        ]
        for (response, label) in rows {
            XCTAssertEqual(EmailClassifier.classify(response).label, label, "\(response)")
        }
    }

    func testReplyAndProviderID() {
        let outcome = EmailClassifier.classify(SMTPResponse(reply: SMTPReply(code: 250, text: "2.0.0 Ok: queued as 4XyZ"), error: nil))
        XCTAssertEqual(outcome, .delivered(providerID: "4XyZ", reply: Reply(code: "250", text: "2.0.0 Ok: queued as 4XyZ")))
        XCTAssertEqual(EmailClassifier.providerID("OK id=1tAbC-0004xY-2q"), "1tAbC-0004xY-2q")
        XCTAssertNil(EmailClassifier.providerID("Ok"))
        XCTAssertEqual(EmailClassifier.classify(failed(550, "5.1.1 no")).reply, Reply(code: "550", text: "5.1.1 no"))
    }

    func testEnhancedStatusParsing() {
        XCTAssertEqual(EnhancedStatus("5.1.1 no such user"), EnhancedStatus(klass: 5, subject: 1, detail: 1))
        XCTAssertEqual(EnhancedStatus("4.7.28"), EnhancedStatus(klass: 4, subject: 7, detail: 28))
        XCTAssertNil(EnhancedStatus("Mailbox busy"))
        XCTAssertNil(EnhancedStatus("3.1.1 no"))
        XCTAssertNil(EnhancedStatus("5.1 no"))
    }

    func testStalePooledConnectionIsRetriedOnlyBeforeAnyAcceptance() {
        let dead = TransportError(curlCode: 55, message: "send failed")
        XCTAssertTrue(SMTPResponse(reply: nil, error: dead, reusedConnection: true).isStalePooledConnection)
        XCTAssertTrue(SMTPResponse(reply: SMTPReply(code: 421, text: "idle"), error: dead, reusedConnection: true).isStalePooledConnection)
        XCTAssertFalse(SMTPResponse(reply: nil, error: dead, reusedConnection: false).isStalePooledConnection)
        XCTAssertFalse(
            SMTPResponse(reply: SMTPReply(code: 354, text: "go ahead"), error: dead, reusedConnection: true).isStalePooledConnection,
            "after DATA the server may have the message: never resend on our own")
    }
}
