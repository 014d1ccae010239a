import HeraldPluginAPI
import Logging
import XCTest

@testable import EmailPlugin

/// The IMAP and POP3 side that needs no server: the `bounce_imap` keys (TLS required, the mailbox from the path), and
/// reading EXAMINE and SEARCH answers as libcurl hands them over (CRLF lines).
final class BounceIMAPTests: XCTestCase {
    let context = PluginContext(channel: "email", logger: Logger(label: "t"), baseDirectory: "/tmp")

    private func settings(_ table: [String: ConfigValue]) throws -> BounceMailboxSettings? {
        try BounceMailboxSettings(
            PluginConfig(values: ["bounce_imap": .table(table)], scope: "channel \"email\""), context: context, channelCAFile: nil)
    }

    func testKeys() throws {
        let good: [String: ConfigValue] = [
            "url": .string("imaps://imap.shop.example:993"), "username": .string("bounces"), "password": .string("pw"),
        ]
        let parsed = try XCTUnwrap(settings(good))
        XCTAssertEqual(parsed.url, "imaps://imap.shop.example:993/INBOX")
        XCTAssertEqual(parsed.interval, .seconds(60))
        XCTAssertEqual(try settings(good.merging(["url": .string("imap://h/Bounces")]) { $1 })?.url, "imap://h/Bounces")
        let pop = try XCTUnwrap(settings(good.merging(["url": .string("pop3s://pop.shop.example:995/")]) { $1 }))
        XCTAssertEqual(pop.kind, .pop3)
        XCTAssertEqual(pop.url, "pop3s://pop.shop.example:995")
        let bad: [([String: ConfigValue?], String)] = [
            (["url": .string("http://h/")], "bounce_imap.url"),
            (["url": .string("pop3s://h/INBOX")], "bounce_imap.url"),
            (["url": .string("imaps://user:pw@h/INBOX")], "bounce_imap.url"),
            (["password": nil], "bounce_imap.password_file"),
            (["interval": .string("0s")], "bounce_imap.interval"),
            (["folder": .string("x")], "bounce_imap.folder"),
        ]
        for (override, key) in bad {
            var table = good
            for (name, value) in override { table[name] = value }
            XCTAssertThrowsError(try settings(table)) { XCTAssertEqual(($0 as? ConfigError)?.key, key, "\(override): \($0)") }
        }
    }

    func testReadingTheServersAnswers() {
        let examine = "* FLAGS (\\Seen)\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 1796148700] UIDs valid\r\n* OK [UIDNEXT 12] Predicted next UID\r\n"
        XCTAssertEqual(BounceIMAP.number(after: "UIDVALIDITY", in: examine), 1_796_148_700)
        XCTAssertEqual(BounceIMAP.number(after: "UIDNEXT", in: examine), 12)
        XCTAssertNil(BounceIMAP.number(after: "UIDNEXT", in: "* 3 EXISTS\r\n"))
        XCTAssertEqual(BounceIMAP.searchResult("* SEARCH 4 7 11\r\n"), [4, 7, 11])
        XCTAssertEqual(BounceIMAP.searchResult("* SEARCH\r\n"), [])
        XCTAssertEqual(BounceIMAP.searchResult("* 2 EXISTS\r\n* SEARCH 9\r\n"), [9])
        let listing = BouncePOP3.uidl("1 000000014f2a\r\n2 000000024f2a\r\n.\r\n")
        XCTAssertEqual(listing.map(\.number), [1, 2])
        XCTAssertEqual(listing.map(\.id), ["000000014f2a", "000000024f2a"])
    }
}
