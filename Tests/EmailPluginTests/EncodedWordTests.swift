import XCTest

@testable import EmailPlugin

final class EncodedWordTests: XCTestCase {
    /// PROTOCOLS §1.7's vectors, compared by decoding (a grapheme splitter may cut elsewhere than the reference).
    func testProtocolVectors() throws {
        let vectors: [(text: String, reference: String)] = [
            ("تخفیف ویژه برای شما", "=?UTF-8?B?2KrYrtmB24zZgSDZiNuM2pjZhyDYqNix2KfbjCDYtNmF2Kc=?="),
            (
                "Khuyến mãi đặc biệt dành cho bạn",
                "=?UTF-8?B?S2h1eeG6v24gbcOjaSDEkeG6t2MgYmnhu4d0IGTDoG5oIGNobyBi?=\r\n =?UTF-8?B?4bqhbg==?="
            ),
            (
                "ข้อเสนอพิเศษสำหรับคุณ วันนี้เท่านั้น",
                "=?UTF-8?B?4LiC4LmJ4Lit4LmA4Liq4LiZ4Lit4Lie4Li04LmA4Lio4Lip4Liq?=\r\n"
                    + " =?UTF-8?B?4Liz4Lir4Lij4Lix4Lia4LiE4Li44LiTIOC4p+C4seC4meC4meC4teC5iQ==?=\r\n"
                    + " =?UTF-8?B?4LmA4LiX4LmI4Liy4LiZ4Lix4LmJ4LiZ?="
            ),
            ("🎉 Flash sale 🛍️", "=?UTF-8?B?8J+OiSBGbGFzaCBzYWxlIPCfm43vuI8=?="),
        ]
        for (text, reference) in vectors {
            let value = EncodedWord.encode(text, fieldName: "Subject")
            XCTAssertEqual(MIMEDecode.header(value), text)
            XCTAssertEqual(MIMEDecode.header(reference), text, "the reference itself decodes")
            try assertEncodedShape(value, fieldName: "Subject")
        }
        // The Persian and Vietnamese cuts fall on code points and graphemes alike: byte-identical.
        XCTAssertEqual(
            EncodedWord.encode("تخفیف ویژه برای شما", fieldName: "Subject"), vectors[0].reference)
        XCTAssertEqual(
            EncodedWord.encode("Khuyến mãi đặc biệt dành cho bạn", fieldName: "Subject"), vectors[1].reference)
    }

    func testPlainASCIIStaysReadable() {
        XCTAssertEqual(
            EncodedWord.encode("Promosi istimewa untuk anda", fieldName: "Subject"), "Promosi istimewa untuk anda")
        XCTAssertEqual(EncodedWord.encode("", fieldName: "Subject"), "")
        // Text that looks like an encoded-word is encoded, so that it is shown as written.
        let lookalike = EncodedWord.encode("=?UTF-8?B?SGk=?=", fieldName: "Subject")
        XCTAssertNotEqual(lookalike, "=?UTF-8?B?SGk=?=")
        XCTAssertEqual(MIMEDecode.header(lookalike), "=?UTF-8?B?SGk=?=")
        let long = Array(repeating: "Promosi istimewa untuk anda", count: 8).joined(separator: " ")
        let value = EncodedWord.encode(long, fieldName: "Subject")
        XCTAssertFalse(value.contains("=?"))
        XCTAssertEqual(value.replacingOccurrences(of: "\r\n", with: ""), long, "unfolding restores the text")
        for line in ("Subject: " + value).components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.utf8.count, 78)
            XCTAssertFalse(line.trimmingCharacters(in: .whitespaces).isEmpty)
        }
        // Double spaces and a trailing space survive folding exactly.
        let spaced = String(repeating: "word  ", count: 30)
        XCTAssertEqual(EncodedWord.encode(spaced, fieldName: "X").replacingOccurrences(of: "\r\n", with: ""), spaced)
    }

    /// A word too long to fold keeps the text plain up to the 998 limit, then switches to encoded-words.
    func testUnfoldableASCII() throws {
        let url = "https://example.com/" + String(repeating: "a", count: 100)
        XCTAssertEqual(EncodedWord.encode("See " + url, fieldName: "Subject"), "See\r\n " + url)
        let huge = String(repeating: "z", count: 5000)
        let value = EncodedWord.encode(huge, fieldName: "Subject")
        XCTAssertEqual(MIMEDecode.header(value), huge)
        try assertEncodedShape(value, fieldName: "Subject")
    }

    func testGraphemesAreNotSplit() throws {
        // 40 Thai syllables with stacked marks, a family emoji (ZWJ sequence, 25 bytes) and flags.
        let text = String(repeating: "กี้", count: 40) + " 👨‍👩‍👧‍👦🇹🇭🇻🇳"
        let value = EncodedWord.encode(text, fieldName: "Subject")
        try assertEncodedShape(value, fieldName: "Subject")
        for word in value.components(separatedBy: "\r\n") {
            let decoded = try XCTUnwrap(MIMEDecode.header(word.trimmingCharacters(in: .whitespaces)))
            // Each word on its own is whole characters: no replacement characters, and "กี้" never cut.
            XCTAssertFalse(decoded.contains("\u{FFFD}"))
            let whole: Set<Character> = ["กี้", " ", "👨‍👩‍👧‍👦", "🇹🇭", "🇻🇳"]
            XCTAssertTrue(decoded.allSatisfy { whole.contains($0) }, decoded)
        }
        XCTAssertEqual(MIMEDecode.header(value), text)
    }

    /// A grapheme larger than one word (100 combining marks) is split between code points instead of overflowing.
    func testOversizedGraphemeSplitsOnScalars() throws {
        let zalgo = "a" + String(repeating: "\u{301}", count: 100)
        XCTAssertEqual(zalgo.count, 1)
        let value = EncodedWord.encode(zalgo, fieldName: "Subject")
        try assertEncodedShape(value, fieldName: "Subject")
        XCTAssertEqual(MIMEDecode.header(value), zalgo)
    }

    /// A field name so long that no word fits after it: the first word gets a line of its own.
    func testLongFieldName() throws {
        let name = "X-" + String(repeating: "N", count: 70)
        let value = EncodedWord.encode("Ưu đãi", fieldName: name)
        XCTAssertTrue(value.hasPrefix("\r\n =?UTF-8?B?"))
        XCTAssertEqual(MIMEDecode.header(value).map { $0.trimmingCharacters(in: .whitespaces) }, "Ưu đãi")
    }

    func testRefold() {
        XCTAssertEqual(
            EncodedWord.refold("<https://a.example/u/1>,\r\n <mailto:u@a.example>", fieldName: "List-Unsubscribe"),
            "<https://a.example/u/1>, <mailto:u@a.example>")
        XCTAssertNil(EncodedWord.refold("a\r\nb", fieldName: "X"))
        XCTAssertNil(EncodedWord.refold("a\rb", fieldName: "X"))
        XCTAssertNil(EncodedWord.refold("a\nb", fieldName: "X"))
        XCTAssertNil(EncodedWord.refold("é", fieldName: "X"))
        XCTAssertNil(EncodedWord.refold("a\r\n", fieldName: "X"))
    }

    private func assertEncodedShape(_ value: String, fieldName: String, line: UInt = #line) throws {
        XCTAssertTrue(value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F || $0 == 0x0D || $0 == 0x0A }, line: line)
        for (index, text) in (fieldName + ": " + value).components(separatedBy: "\r\n").enumerated() {
            XCTAssertLessThanOrEqual(text.utf8.count, 76, text, line: line)
            if index > 0 { XCTAssertTrue(text.hasPrefix(" "), line: line) }
        }
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\r\n" }) where word.hasPrefix("=?") {
            XCTAssertLessThanOrEqual(word.count, 75, line: line)
            XCTAssertTrue(word.hasSuffix("?="), line: line)
        }
    }
}
