import XCTest

@testable import EmailPlugin

/// The bounce rule table (STYLE 3), one row per class: hard only when the address is gone, soft for everything
/// else that failed, delays apart, X.7.27 a problem of our own domain, and Postfix's invented 5.0.0 judged by the
/// diagnostic.
final class BounceClassifierTests: XCTestCase {
    func testTheTable() {
        let rows: [(String?, String?, String?, BounceClassifier.Kind, String, String?)] = [
            ("failed", "5.1.1", "smtp; 550 5.1.1 <ana@example.com>: Recipient address rejected: User unknown", .hard, "user_unknown", "5.1.1"),
            ("failed", "5.0.0", "smtp; 550 5.1.1 The email account that you tried to reach does not exist", .hard, "user_unknown", "5.1.1"),
            ("failed", "5.0.0", "smtp; 550 sorry, no such user here", .hard, "user_unknown", "5.0.0"),
            ("failed", "5.1.2", "Host or domain name not found", .hard, "host_unknown", "5.1.2"),
            ("failed", "5.4.4", "smtp; 554 5.4.4 SMTPSEND.DNS.NonExistentDomain", .hard, "host_unknown", "5.4.4"),
            ("failed", "5.1.6", "mailbox has moved", .hard, "has_moved", "5.1.6"),
            ("failed", "5.1.10", "smtp; 550 5.1.10 RESOLVER.ADR.RecipientNotFound; recipient not found", .hard, "not_accept", "5.1.10"),
            ("failed", "5.2.2", "smtp; 552 5.2.2 Mailbox full", .soft, "mailbox_full", "5.2.2"),
            ("failed", "5.0.0", "smtp; 552 Requested mail action aborted: exceeded storage allocation (over quota)", .soft, "mailbox_full", "5.0.0"),
            ("failed", "5.2.1", "smtp; 550 5.2.1 The email account that you tried to reach is disabled", .soft, "suspend", "5.2.1"),
            ("failed", "5.7.1", "smtp; 550 5.7.1 Message rejected due to local policy", .soft, "blocked", "5.7.1"),
            ("failed", "5.7.26", "smtp; 550 5.7.26 This mail is unauthenticated", .soft, "blocked", "5.7.26"),
            ("failed", "5.7.27", "smtp; 550 5.7.27 Sender address has null MX", .configuration, "sender_null_mx", "5.7.27"),
            ("failed", "5.3.0", "smtp; 554 something odd", .soft, "other", "5.3.0"),
            ("failed", "4.4.7", "delivery time expired", .soft, "other", "4.4.7"),
            ("delayed", "4.4.1", "connect to mx.example.com: Connection timed out", .delayed, "delayed", "4.4.1"),
            (nil, "4.2.2", "mailbox full, will retry", .delayed, "delayed", "4.2.2"),
            ("delivered", "2.0.0", "250 ok", .none, "delivered", "2.0.0"),
            ("relayed", "2.0.0", nil, .none, "relayed", "2.0.0"),
            ("failed", nil, nil, .soft, "other", nil),
            ("failed", nil, "550 User unknown", .hard, "user_unknown", nil),
        ]
        for (action, status, diagnostic, kind, reason, code) in rows {
            let verdict = BounceClassifier.classify(action: action, status: status, diagnostic: diagnostic)
            XCTAssertEqual(verdict, .init(kind: kind, reason: reason, status: code), "\(action ?? "-") \(status ?? "-") \(diagnostic ?? "-")")
        }
    }

    func testEnhancedCodesAreFoundInText() {
        XCTAssertEqual(BounceClassifier.enhancedCode(in: "smtp; 550 5.1.1 <a@b>: unknown"), "5.1.1")
        XCTAssertEqual(BounceClassifier.enhancedCode(in: "#5.1.10 RESOLVER"), "5.1.10")
        XCTAssertNil(BounceClassifier.enhancedCode(in: "version 15.1.1 of the server"), "part of a longer number")
        XCTAssertNil(BounceClassifier.enhancedCode(in: "550 no code here"))
        XCTAssertNil(BounceClassifier.enhancedCode(in: "3.1.1"), "class 3 is no class")
    }
}
