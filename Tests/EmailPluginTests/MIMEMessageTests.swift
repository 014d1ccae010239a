import Foundation
import XCTest

@testable import EmailPlugin

final class MIMEMessageTests: XCTestCase {
    /// The five languages of the lead's cross-check: subject, sender name, text and HTML in each.
    static let samples: [(tag: String, subject: String, name: String, text: String)] = [
        (
            "malay", "Promosi istimewa untuk anda", "Kedai Contoh",
            "Dapatkan diskaun 20% hari ini sahaja.\nTerima kasih!"
        ),
        ("persian", "تخفیف ویژه برای شما", "فروشگاه نمونه", "فقط امروز ۲۰٪ تخفیف بگیرید.\nمتشکریم!"),
        (
            "vietnamese", "Khuyến mãi đặc biệt dành cho bạn", "Cửa hàng Mẫu",
            "Giảm giá 20% chỉ trong hôm nay.\nCảm ơn bạn!"
        ),
        ("thai", "ข้อเสนอพิเศษสำหรับคุณ วันนี้เท่านั้น", "ร้านตัวอย่าง", "รับส่วนลด 20% วันนี้เท่านั้น\nขอบคุณ!"),
        ("emoji", "🎉 Flash sale 🛍️", "Shop 🛍️ Example", "🎉 20% off today only.\nThanks! 🙏"),
    ]

    private func message(text: String? = "Hello\nWorld", html: String? = nil, subject: String = "Hi") throws
        -> MIMEMessage
    {
        MIMEMessage(
            from: try MailAddress(parsing: "Kedai Contoh <news@mail.example.com>"),
            to: try MailAddress(parsing: "aminah@example.net"), subject: subject, text: text, html: html,
            date: 1_791_971_706_000, messageID: "<abc.1791971706000@mail.example.com>",
            extraHeaders: [
                (
                    name: "List-Unsubscribe",
                    value: "<https://u.example.com/u/opaque-token>,\r\n"
                        + " <mailto:unsub@mail.example.com?subject=opaque-token>"
                ),
                (name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"),
            ])
    }

    func testTextOnly() throws {
        let raw = try message().render(boundary: "=_h_test")
        assertWellFormed(raw)
        let (headers, body) = try XCTUnwrap(MIMEDecode.split(raw))
        XCTAssertEqual(
            headers,
            """
            Date: Wed, 14 Oct 2026 09:55:06 +0000\r
            From: Kedai Contoh <news@mail.example.com>\r
            To: <aminah@example.net>\r
            Subject: Hi\r
            Message-ID: <abc.1791971706000@mail.example.com>\r
            MIME-Version: 1.0\r
            List-Unsubscribe: <https://u.example.com/u/opaque-token>,\r
             <mailto:unsub@mail.example.com?subject=opaque-token>\r
            List-Unsubscribe-Post: List-Unsubscribe=One-Click\r
            Content-Type: text/plain; charset=UTF-8\r
            Content-Transfer-Encoding: quoted-printable\r

            """)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "Hello\r\nWorld\r\n")
    }

    func testHTMLOnlyGetsDerivedText() throws {
        let html = "<p>Hello <b>Ana</b>,</p><p><a href=\"https://shop.example/x\">Shop</a></p>"
        let raw = try message(text: nil, html: html).render(boundary: "=_h_0123")
        assertWellFormed(raw)
        let parts = try self.parts(raw, boundary: "=_h_0123")
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0].type, "text/plain; charset=UTF-8")
        XCTAssertEqual(parts[0].body, "Hello Ana,\n\nShop (https://shop.example/x)\n")
        XCTAssertEqual(parts[1].type, "text/html; charset=UTF-8")
        XCTAssertEqual(parts[1].body, html + "\n")
    }

    func testBothPartsInEveryLanguage() throws {
        for sample in Self.samples {
            let html = "<p>" + sample.text.replacingOccurrences(of: "\n", with: "<br>") + "</p>"
            var built = try message(text: sample.text, html: html, subject: sample.subject)
            built.from.displayName = sample.name
            built.to.displayName = sample.name
            let boundary = MIMEMessage.makeBoundary()
            let raw = try built.render(boundary: boundary)
            assertWellFormed(raw)
            let (headers, _) = try XCTUnwrap(MIMEDecode.split(raw))
            let fields = MIMEDecode.fields(headers)
            XCTAssertEqual(
                fields.map(\.name).prefix(6), ["date", "from", "to", "subject", "message-id", "mime-version"])
            XCTAssertEqual(
                fields.last?.value.replacingOccurrences(of: "\r\n", with: ""),
                "multipart/alternative; boundary=\"\(boundary)\"")
            let subject = try XCTUnwrap(fields.first { $0.name == "subject" }?.value)
            XCTAssertEqual(MIMEDecode.header(subject), sample.subject, sample.tag)
            let parts = try self.parts(raw, boundary: boundary)
            XCTAssertEqual(parts.map(\.body), [sample.text + "\n", html + "\n"], sample.tag)
            if let directory = ProcessInfo.processInfo.environment["HERALD_MIME_DUMP"] {
                try Data(raw).write(to: URL(fileURLWithPath: "\(directory)/\(sample.tag).eml"))
                var htmlOnly = built
                htmlOnly.text = nil
                try Data(try htmlOnly.render(boundary: boundary)).write(
                    to: URL(fileURLWithPath: "\(directory)/\(sample.tag)-html-only.eml"))
                htmlOnly.html = nil
                htmlOnly.text = sample.text
                try Data(try htmlOnly.render(boundary: boundary)).write(
                    to: URL(fileURLWithPath: "\(directory)/\(sample.tag)-text-only.eml"))
            }
        }
    }

    func testBodyEncodingChoice() throws {
        let thai = try parts(
            try message(html: "<p>" + Self.samples[3].text + "</p>").render(boundary: "=_h_b"), boundary: "=_h_b")
        XCTAssertEqual(thai.map(\.encoding), ["quoted-printable", "base64"])
        let long =
            String(repeating: "Khuyến mãi đặc biệt dành cho bạn. ", count: 200) + String(repeating: "x", count: 5000)
        let raw = try message(text: long).render(boundary: "=_h_c")
        assertWellFormed(raw)
        XCTAssertTrue(raw.count < 20_000)
    }

    func testRefusals() throws {
        var bad = try message()
        bad.to.displayName = "Ana\r\nBcc: victim@example.org"
        XCTAssertThrowsError(try bad.render(boundary: "=_h_x")) {
            XCTAssertEqual(($0 as? MailFormatError)?.field, "to")
        }
        bad = try message(subject: "Hi\r\nBcc: victim@example.org")
        XCTAssertThrowsError(try bad.render(boundary: "=_h_x")) {
            XCTAssertEqual(($0 as? MailFormatError)?.field, "subject")
        }
        bad = try message(text: nil, html: nil)
        XCTAssertThrowsError(try bad.render(boundary: "=_h_x")) {
            XCTAssertEqual(($0 as? MailFormatError)?.code, .missingBody)
        }
        bad = try message()
        bad.extraHeaders = [(name: "X-Tag", value: "a\nBcc: x@example.org")]
        XCTAssertThrowsError(try bad.render(boundary: "=_h_x"))
        bad.extraHeaders = [(name: "Subject", value: "twice")]
        XCTAssertThrowsError(try bad.render(boundary: "=_h_x"))
        bad.extraHeaders = [(name: "X Tag", value: "x")]
        XCTAssertThrowsError(try bad.render(boundary: "=_h_x"))
        bad.extraHeaders = []
        bad.messageID = "no-brackets@example.com"
        XCTAssertThrowsError(try bad.render(boundary: "=_h_x"))
    }

    func testExtraHeadersAreFoldedForTheirName() throws {
        var built = try message()
        let replyTo = MailAddress(displayName: "ฝ่ายบริการลูกค้า ร้านตัวอย่าง จำกัด", address: "help@example.com")
        built.extraHeaders = [
            (name: "Reply-To", value: replyTo.headerValue()), (name: "X-Note", value: "Ưu đãi đặc biệt"),
        ]
        let raw = try built.render(boundary: "=_h_x")
        assertWellFormed(raw)
        let fields = MIMEDecode.fields(try XCTUnwrap(MIMEDecode.split(raw)).headers)
        XCTAssertEqual(MIMEDecode.header(try XCTUnwrap(fields.first { $0.name == "x-note" }).value), "Ưu đãi đặc biệt")
        let reply = try XCTUnwrap(fields.first { $0.name == "reply-to" }).value
        XCTAssertEqual(MIMEDecode.header(reply), "ฝ่ายบริการลูกค้า ร้านตัวอย่าง จำกัด <help@example.com>")
    }

    func testDates() {
        XCTAssertEqual(MIMEMessage.rfc5322Date(1_760_435_706_000), "Tue, 14 Oct 2025 09:55:06 +0000")
        XCTAssertEqual(MIMEMessage.rfc5322Date(1_791_971_706_000), "Wed, 14 Oct 2026 09:55:06 +0000")
        XCTAssertEqual(MIMEMessage.rfc5322Date(0), "Thu, 1 Jan 1970 00:00:00 +0000")
        XCTAssertEqual(MIMEMessage.rfc5322Date(951_782_400_999), "Tue, 29 Feb 2000 00:00:00 +0000")
        XCTAssertEqual(MIMEMessage.rfc5322Date(-1), "Wed, 31 Dec 1969 23:59:59 +0000")
        XCTAssertEqual(MIMEMessage.rfc5322Date(4_102_444_799_000), "Thu, 31 Dec 2099 23:59:59 +0000")
    }

    func testIdentifiers() {
        let id = MIMEMessage.makeMessageID(domain: "mail.example.com", now: 1_760_435_706_000)
        XCTAssertTrue(id.hasPrefix("<") && id.hasSuffix(".1760435706000@mail.example.com>"), id)
        let left = id.dropFirst().prefix { $0 != "." }
        XCTAssertEqual(left.count, 26)
        XCTAssertTrue(left.allSatisfy { ("a"..."z").contains($0) || ("2"..."7").contains($0) })
        XCTAssertNotEqual(id, MIMEMessage.makeMessageID(domain: "mail.example.com", now: 1_760_435_706_000))
        let boundary = MIMEMessage.makeBoundary()
        XCTAssertEqual(boundary.count, 36)
        XCTAssertTrue(boundary.hasPrefix("=_h_"))
        XCTAssertNotEqual(boundary, MIMEMessage.makeBoundary())
    }

    /// The parts of a multipart body: content type, transfer encoding and decoded text.
    private func parts(_ raw: [UInt8], boundary: String) throws -> [(type: String, encoding: String, body: String)] {
        let (_, body) = try XCTUnwrap(MIMEDecode.split(raw))
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("--\(boundary)\r\n"))
        XCTAssertTrue(text.hasSuffix("\r\n--\(boundary)--\r\n"))
        let inner = text.dropFirst("--\(boundary)\r\n".count).dropLast("\r\n--\(boundary)--\r\n".count)
        return try inner.components(separatedBy: "\r\n--\(boundary)\r\n").map { part in
            let (headers, encoded) = try XCTUnwrap(MIMEDecode.split(Array(part.utf8)))
            let fields = MIMEDecode.fields(headers)
            return (
                try XCTUnwrap(fields.first { $0.name == "content-type" }?.value),
                try XCTUnwrap(fields.first { $0.name == "content-transfer-encoding" }?.value),
                try XCTUnwrap(MIMEDecode.body(headers: headers, body: encoded))
            )
        }
    }
}
