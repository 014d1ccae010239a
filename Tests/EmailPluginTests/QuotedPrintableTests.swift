import HeraldCrypto
import XCTest

@testable import EmailPlugin

final class QuotedPrintableTests: XCTestCase {
    private func qp(_ text: String) -> String {
        String(decoding: QuotedPrintable.encode(Array(text.utf8)), as: UTF8.self)
    }

    func testEscapes() {
        XCTAssertEqual(qp("a=b"), "a=3Db")
        XCTAssertEqual(qp("café"), "caf=C3=A9")
        XCTAssertEqual(qp("tab\there"), "tab\there")
        XCTAssertEqual(qp("bell\u{7}"), "bell=07")
        XCTAssertEqual(qp("del\u{7F}"), "del=7F")
        XCTAssertEqual(qp("bare\rcr"), "bare=0Dcr")
    }

    func testTrailingWhitespaceBeforeBreaks() {
        XCTAssertEqual(qp("end \nnext\t\r\nlast "), "end=20\r\nnext=09\r\nlast=20")
        XCTAssertEqual(qp("two  \n"), "two =20\r\n")
    }

    func testLineBreaksBecomeCRLF() {
        XCTAssertEqual(qp("a\nb\r\nc\n\nd"), "a\r\nb\r\nc\r\n\r\nd")
        XCTAssertEqual(qp("\n"), "\r\n")
    }

    func testSoftBreaksKeepLinesAt76() throws {
        // Exactly 76 characters fit on a final line; 77 need a soft break.
        XCTAssertEqual(qp(String(repeating: "x", count: 76)), String(repeating: "x", count: 76))
        XCTAssertEqual(
            qp(String(repeating: "x", count: 77)),
            String(repeating: "x", count: 75) + "=\r\n" + "xx")
        // An escape is never split across a soft break.
        let escaped = qp(String(repeating: "x", count: 74) + "é")
        XCTAssertEqual(escaped, String(repeating: "x", count: 74) + "=\r\n=C3=A9")
        for text in [
            String(repeating: "x", count: 5000), String(repeating: "é", count: 700),
            String(repeating: "a ", count: 400),
            String(repeating: "=", count: 300) + "\n" + String(repeating: "ab ", count: 100) + " \n",
        ] {
            let encoded = QuotedPrintable.encode(Array(text.utf8))
            for line in MIMEDecode.lines(encoded) { XCTAssertLessThanOrEqual(line.count, 76) }
            XCTAssertTrue(encoded.allSatisfy { $0 < 0x80 })
            let decoded = try XCTUnwrap(MIMEDecode.quotedPrintable(encoded))
            XCTAssertEqual(String(decoding: decoded, as: UTF8.self), text.replacingOccurrences(of: "\n", with: "\r\n"))
        }
    }

    /// A 5,000-character line with no spaces stays far below SMTP's 998 (and QP's 76) through soft breaks.
    func testLongLineWithoutSpaces() {
        let encoded = QuotedPrintable.encode(Array(String(repeating: "ก", count: 5000).utf8))
        let lines = MIMEDecode.lines(encoded)
        XCTAssertGreaterThan(lines.count, 500)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 76 })
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.last == UInt8(ascii: "=") })
    }

    func testBase64Body() throws {
        let bytes = Array(String(repeating: "สวัสดี ", count: 100).utf8)
        let encoded = Base64Body.encode(bytes)
        let lines = MIMEDecode.lines(encoded)
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.count == 76 })
        XCTAssertLessThanOrEqual(lines.last?.count ?? 0, 76)
        XCTAssertNotEqual(encoded.suffix(2), [0x0D, 0x0A])
        XCTAssertEqual(
            Base64.decode(String(decoding: encoded.filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)), bytes)
        XCTAssertEqual(Base64Body.encode([]), [])
    }
}
