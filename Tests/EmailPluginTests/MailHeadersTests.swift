import XCTest

@testable import EmailPlugin

final class MailHeadersTests: XCTestCase {
    private func code(_ name: String, _ value: String) -> MailFormatError.Code? {
        do {
            _ = try MailHeaders.validate(name: name, value: value)
            return nil
        } catch {
            XCTAssertEqual(error.field, "headers.\(name)")
            XCTAssertFalse(error.reason.isEmpty)
            return error.code
        }
    }

    func testOwnedNamesAreRefusedInAnyCase() {
        let owned = [
            "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
            "Content-Transfer-Encoding", "DKIM-Signature", "List-Unsubscribe", "List-Unsubscribe-Post", "Return-Path",
            "Received", "Sender", "Content-Disposition",
        ]
        for name in owned {
            XCTAssertEqual(code(name, "x"), .reservedHeader, name)
            XCTAssertEqual(code(name.uppercased(), "x"), .reservedHeader, name)
            XCTAssertEqual(code(name.lowercased(), "x"), .reservedHeader, name)
        }
    }

    func testNames() {
        XCTAssertNil(code("X-Campaign-ID", "spring"))
        XCTAssertNil(code(String(repeating: "X", count: 76), "x"))
        XCTAssertEqual(code(String(repeating: "X", count: 77), "x"), .invalidHeaderName)
        for bad in ["", "X Campaign", "X:Campaign", "X_Campaign", "X-Cámpaign", "X\r\nBcc", "X.Y"] {
            XCTAssertEqual(code(bad, "x"), .invalidHeaderName, bad.debugDescription)
        }
    }

    func testInjectionIsRefused() {
        for value in [
            "a\r\nBcc: victim@example.org", "a\nb", "a\rb", "a\0b", "a\u{1B}[31m", "a\u{7F}", "a\u{85}b", "a\u{9F}",
        ] {
            XCTAssertEqual(code("X-Tag", value), .forbiddenCharacter, value.debugDescription)
        }
        XCTAssertNil(code("X-Tag", "tab\tseparated"))
    }

    func testGoodHeadersAreKeptAndEncoded() throws {
        XCTAssertEqual(try MailHeaders.validate(name: "X-Campaign-ID", value: "spring-2026").value, "spring-2026")
        let persian = try MailHeaders.validate(name: "X-Note", value: "تخفیف ویژه")
        XCTAssertEqual(persian.name, "X-Note")
        XCTAssertTrue(persian.value.hasPrefix("=?UTF-8?B?"))
        XCTAssertEqual(MIMEDecode.header(persian.value), "تخفیف ویژه")
    }

    func testReplyToIsParsedAsAnAddress() throws {
        XCTAssertEqual(
            try MailHeaders.validate(name: "Reply-To", value: "\"Help, Desk\" <help@example.com>").value,
            "\"Help, Desk\" <help@example.com>")
        XCTAssertEqual(code("reply-to", "not an address"), .invalidAddress)
        XCTAssertEqual(code("Reply-To", "a@example.com\r\nBcc: b@example.com"), .forbiddenCharacter)
    }

    func testObjectIsSortedAndDuplicatesRefused() throws {
        let headers = try MailHeaders.validate(["X-B": "2", "X-A": "1"])
        XCTAssertEqual(headers.map(\.name), ["X-A", "X-B"])
        XCTAssertThrowsError(try MailHeaders.validate(["X-Tag": "1", "x-tag": "2"]))
    }
}
