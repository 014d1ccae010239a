import XCTest

@testable import EmailPlugin

final class MailAddressTests: XCTestCase {
    func testAcceptedForms() throws {
        let rows: [(String, String?, String)] = [
            ("ana@example.com", nil, "ana@example.com"),
            ("  <ana@example.com> ", nil, "ana@example.com"),
            ("Ana Lee <ana@example.com>", "Ana Lee", "ana@example.com"),
            ("\"Lee, Ana\" <ana@example.com>", "Lee, Ana", "ana@example.com"),
            (#""Ana \"Ace\" Lee" <ana@example.com>"#, "Ana \"Ace\" Lee", "ana@example.com"),
            ("\"\" <ana@example.com>", nil, "ana@example.com"),
            ("Nguyễn Thị Hồng <hong@example.vn>", "Nguyễn Thị Hồng", "hong@example.vn"),
            ("\"ร้านค้า, สาขา 1\" <shop@example.co.th>", "ร้านค้า, สาขา 1", "shop@example.co.th"),
            ("first.last+tag@sub.example.co.uk", nil, "first.last+tag@sub.example.co.uk"),
            ("o'brien@example.ie", nil, "o'brien@example.ie"),
            ("postmaster@[192.0.2.1]", nil, "postmaster@[192.0.2.1]"),
            ("a@[IPv6:2001:db8::1]", nil, "a@[IPv6:2001:db8::1]"),
            ("root@localhost", nil, "root@localhost"),
        ]
        for (input, name, address) in rows {
            let parsed = try MailAddress(parsing: input)
            XCTAssertEqual(parsed.displayName, name, input)
            XCTAssertEqual(parsed.address, address, input)
        }
        let parsed = try MailAddress(parsing: "Ana <ana@Mail.Example.com>")
        XCTAssertEqual(parsed.domain, "Mail.Example.com")
        XCTAssertEqual(parsed.envelope, "<ana@Mail.Example.com>")
    }

    func testRejectedForms() {
        let long = String(repeating: "a", count: 65)
        let label = String(repeating: "b", count: 63)
        let rows: [(String, MailFormatError.Code)] = [
            ("ana@example.com\r\nBcc: victim@example.org", .forbiddenCharacter),
            ("Ana\r\nBcc: x@y.z <ana@example.com>", .forbiddenCharacter),
            ("Ana\n <ana@example.com>", .forbiddenCharacter),
            ("ana@exam\0ple.com", .forbiddenCharacter),
            ("Ana\u{7}Lee <ana@example.com>", .forbiddenCharacter),
            ("Ana\tLee <ana@example.com>", .forbiddenCharacter),
            ("Ana\u{85}Lee <ana@example.com>", .forbiddenCharacter),
            ("<ana@example.com>>", .invalidAddress),
            ("<ana<x>@example.com>", .invalidAddress),
            ("ana@example.com>", .invalidAddress),
            ("ana>@example.com", .invalidAddress),
            ("Ana <ana@example.com> extra", .invalidAddress),
            ("\"Lee, Ana <ana@example.com>", .invalidAddress),
            ("Ana \"Lee <ana@example.com>", .invalidAddress),
            ("\"Ana\" \"Lee\" <ana@example.com>", .invalidAddress),
            ("", .invalidAddress),
            ("<>", .invalidAddress),
            ("anaexample.com", .invalidAddress),
            ("ana@@example.com", .invalidAddress),
            ("ana@b@example.com", .invalidAddress),
            ("@example.com", .invalidAddress),
            ("ana@", .invalidAddress),
            ("ana lee@example.com", .invalidAddress),
            ("\(long)@example.com", .invalidAddress),
            ("ana@\(label)x.com", .invalidAddress),
            ("ana@" + Array(repeating: label, count: 4).joined(separator: "."), .invalidAddress),
            ("ana@" + String(repeating: "c.", count: 130) + "com", .invalidAddress),
            ("josé@example.com", .invalidAddress),
            ("ana@bücher.example", .invalidAddress),
            ("ana@-example.com", .invalidAddress),
            ("ana@example-.com", .invalidAddress),
            ("ana@example..com", .invalidAddress),
            ("ana@example.com.", .invalidAddress),
            ("ana@exa_mple.com", .invalidAddress),
            (".ana@example.com", .invalidAddress),
            ("ana.@example.com", .invalidAddress),
            ("an..a@example.com", .invalidAddress),
            ("\"ana\"@example.com", .invalidAddress),
            ("ana(comment)@example.com", .invalidAddress),
            ("a@[300.1.1.1]", .invalidAddress),
            ("a@[1.2.3]", .invalidAddress),
        ]
        for (input, code) in rows {
            XCTAssertThrowsError(try MailAddress(parsing: input, field: "to"), input.debugDescription) { error in
                guard let error = error as? MailFormatError else { return XCTFail("untyped error") }
                XCTAssertEqual(error.code, code, input.debugDescription)
                XCTAssertEqual(error.field, "to")
            }
        }
    }

    func testLengthLimitsAreInclusive() throws {
        let local = String(repeating: "a", count: 64)
        XCTAssertNoThrow(try MailAddress(parsing: "\(local)@example.com"))
        // 254 characters: the 256-octet path limit minus the angle brackets.
        let domain = [String](repeating: String(repeating: "d", count: 61), count: 3).joined(separator: ".") + ".com"
        let longest = String(repeating: "a", count: 254 - 1 - domain.count) + "@" + domain
        XCTAssertEqual(longest.count, 254)
        XCTAssertNoThrow(try MailAddress(parsing: longest))
        XCTAssertThrowsError(try MailAddress(parsing: "a" + longest))
    }

    func testHeaderValueForms() {
        let rows: [(String?, String)] = [
            (nil, "<ana@example.com>"),
            ("", "<ana@example.com>"),
            ("Ana Lee", "Ana Lee <ana@example.com>"),
            ("Lee, Ana", "\"Lee, Ana\" <ana@example.com>"),
            ("A. Lee", "\"A. Lee\" <ana@example.com>"),
            (#"Say "hi" \o/"#, #""Say \"hi\" \\o/" <ana@example.com>"#),
            ("Kedai Contoh", "Kedai Contoh <ana@example.com>"),
            ("Kedai Contoh Ä", "=?UTF-8?B?S2VkYWkgQ29udG9oIMOE?= <ana@example.com>"),
        ]
        for (name, expected) in rows {
            XCTAssertEqual(
                MailAddress(displayName: name, address: "ana@example.com").headerValue(fieldName: "From"), expected)
        }
    }

    func testLongNamesFoldAndRoundTrip() throws {
        let names = [
            "ร้านค้าออนไลน์ที่ดีที่สุดในประเทศไทย ข้อเสนอพิเศษสำหรับคุณ วันนี้เท่านั้น",
            "Công ty Trách nhiệm Hữu hạn Thương mại và Dịch vụ Khuyến mãi Đặc biệt",
            "A very long but perfectly plain ASCII display name, with a comma, that needs folding",
            String(repeating: "x", count: 1200),
        ]
        for name in names {
            for field in ["From", "To", "Reply-To"] {
                let value = MailAddress(displayName: name, address: "news@mail.example.com").headerValue(
                    fieldName: field)
                let lines = (field + ": " + value).components(separatedBy: "\r\n")
                for line in lines { XCTAssertLessThanOrEqual(line.utf8.count, 78, line) }
                XCTAssertTrue(value.hasSuffix("<news@mail.example.com>"))
                XCTAssertTrue(value.utf8.allSatisfy { $0 < 0x80 })
                let phrase = try XCTUnwrap(MIMEDecode.header(String(value.dropLast(" <news@mail.example.com>".count))))
                let unquoted = phrase.hasPrefix("\"") ? String(phrase.dropFirst().dropLast()) : phrase
                XCTAssertEqual(unquoted, name)
            }
        }
    }

    /// The unfolded form (for `extraHeaders`) starts with a word that fits after a 24-character field name.
    func testUnfoldedHeaderValue() {
        let name = "ข้อเสนอพิเศษสำหรับคุณ วันนี้เท่านั้น"
        let value = MailAddress(displayName: name, address: "a@example.com").headerValue()
        XCTAssertFalse(value.contains("\r\n"))
        let first = value.split(separator: " ")[0]
        XCTAssertLessThanOrEqual(first.count + 26, 76)
        XCTAssertEqual(MIMEDecode.header(String(value.dropLast(" <a@example.com>".count))), name)
    }
}
