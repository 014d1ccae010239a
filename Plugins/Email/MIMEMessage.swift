import HeraldCrypto
import HeraldPluginAPI

/// One email as RFC 5322 + MIME bytes (PROTOCOLS §1.5): CRLF line endings, 7-bit clean, header lines folded to 78
/// (76 where they hold encoded-words), body lines ≤ 76, text/plain and/or text/html in UTF-8, both as
/// multipart/alternative with the text first. HTML-only messages get a text part derived by HTMLText. The bytes are
/// what DKIM signs, so the builder adds no DKIM-Signature and nothing after rendering may change them. It does not
/// validate custom headers (MailHeaders does) or talk SMTP.
struct MIMEMessage {
    var from: MailAddress
    var to: MailAddress
    var subject: String
    /// At least one of `text` and `html`.
    var text: String?
    var html: String?
    /// Unix milliseconds, written as an RFC 5322 date in UTC.
    var date: Int64
    /// The whole `<id-left@id-right>`.
    var messageID: String
    /// Already validated (MailHeaders, or Herald's own like List-Unsubscribe); values are raw or folded 7-bit text,
    /// or raw non-ASCII text, and are folded here for their field name.
    var extraHeaders: [(name: String, value: String)] = []

    /// Fields the builder writes itself; an extra header with one of these names would duplicate it.
    private static let written: Set<String> = [
        "date", "from", "to", "subject", "message-id", "mime-version", "content-type", "content-transfer-encoding",
    ]

    /// The complete message. `boundary` is used as is; `makeBoundary()` gives one that cannot occur in the parts
    /// (see there).
    func render(boundary: String) throws(MailFormatError) -> [UInt8] {
        guard (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy(Self.isBoundaryByte) else {
            throw MailFormatError(field: "boundary", reason: "a MIME boundary is 1–70 letters, digits and '()+_,-./:=?")
        }
        guard let plain = text ?? html.map(HTMLText.plainText) else {
            throw MailFormatError(.missingBody, field: "content", reason: "an email needs a text or an html body")
        }
        let textBody = Self.canonical(plain)
        let htmlBody = html.map(Self.canonical)
        var out: [UInt8] = []
        // Base64 grows a body by 4/3 plus line breaks; mostly-ASCII quoted-printable by less.
        out.reserveCapacity(1024 + (textBody.count + (htmlBody?.count ?? 0)) * 14 / 10)
        try writeHeaders(into: &out)
        guard let htmlBody else {
            Self.part(type: "text/plain", body: textBody, into: &out)
            // Quoted-printable already ends on the body's final line break; base64 lines do not.
            if !Self.endsWithCRLF(out) { out.append(contentsOf: [0x0D, 0x0A]) }
            return out
        }
        let type = "multipart/alternative; boundary=\"\(boundary)\""
        Self.field("Content-Type", EncodedWord.refold(type, fieldName: "Content-Type") ?? type, into: &out)
        out.append(contentsOf: [0x0D, 0x0A])
        let delimiter = Array("--\(boundary)".utf8)
        for (type, body) in [("text/plain", textBody), ("text/html", htmlBody)] {
            out.append(contentsOf: delimiter)
            out.append(contentsOf: [0x0D, 0x0A])
            Self.part(type: type, body: body, into: &out)
            // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the part.
            out.append(contentsOf: [0x0D, 0x0A])
        }
        out.append(contentsOf: delimiter)
        out.append(contentsOf: Array("--\r\n".utf8))
        return out
    }

    /// Date through MIME-Version, then the extra headers, each checked again: a value built by hand (a recipient's
    /// display name set after parsing) must not slip past the rules the parsers enforce.
    private func writeHeaders(into out: inout [UInt8]) throws(MailFormatError) {
        try from.validate(field: "from")
        try to.validate(field: "to")
        try MailHeaders.rejectControls(subject, field: "subject", allowTab: true)
        let id = messageID.utf8
        guard id.first == UInt8(ascii: "<"), id.last == UInt8(ascii: ">"), id.count <= 250,
            id.contains(UInt8(ascii: "@")), id.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw MailFormatError(
                field: "message_id", reason: "a Message-ID looks like <unique.1760435706000@example.com>")
        }
        Self.field("Date", Self.rfc5322Date(date), into: &out)
        Self.field("From", from.headerValue(fieldName: "From"), into: &out)
        Self.field("To", to.headerValue(fieldName: "To"), into: &out)
        Self.field("Subject", EncodedWord.encode(subject, fieldName: "Subject"), into: &out)
        Self.field("Message-ID", messageID, into: &out)
        Self.field("MIME-Version", "1.0", into: &out)
        for header in extraHeaders {
            let field = "headers.\(header.name)"
            try MailHeaders.checkName(header.name, field: field)
            guard !Self.written.contains(header.name.lowercased()) else {
                throw MailFormatError(.reservedHeader, field: field, reason: "the builder writes this header itself")
            }
            Self.field(header.name, try Self.fieldValue(header.value, name: header.name, field: field), into: &out)
        }
    }

    /// `<{26 base32 chars: 128 random bits}.{unix ms}@domain>`, PROTOCOLS §1.5's recommended shape.
    static func makeMessageID(domain: String, now: Int64 = Clock.nowMillis()) -> String {
        "<" + Base32.lowercase(Digest.randomBytes(16)) + ".\(now)@\(domain)>"
    }

    /// `=_h_` + 32 random hex digits. `=_` cannot appear in either body encoding (quoted-printable writes `=` as `=3D`
    /// and base64 has neither character), so the boundary never collides with content and needs no search.
    static func makeBoundary() -> String {
        "=_h_" + Hex.lowercase(Digest.randomBytes(16))
    }

    // MARK: - Pieces

    /// RFC 2046 bchars without the space, which would need care at the end.
    private static func isBoundaryByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x27...0x29, 0x2B...0x2F, 0x3A, 0x3D, 0x3F, 0x5F: true
        default: MailHeaders.isAlphanumeric(byte)
        }
    }

    private static func field(_ name: String, _ value: String, into out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: [UInt8(ascii: ":"), 0x20])
        out.append(contentsOf: value.utf8)
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// An extra header's value folded for its name: 7-bit values (folded or not) are re-folded, raw non-ASCII text
    /// is encoded; anything else (a bare CR or LF, a control character) is refused.
    private static func fieldValue(_ value: String, name: String, field: String) throws(MailFormatError) -> String {
        if let folded = EncodedWord.refold(value, fieldName: name) { return folded }
        try MailHeaders.rejectControls(value, field: field, allowTab: true)
        return EncodedWord.encode(value, fieldName: name)
    }

    /// A part's headers and encoded body, without the CRLF that ends its last line.
    private static func part(type: String, body: [UInt8], into out: inout [UInt8]) {
        // Quoted-printable costs 3 characters per escaped byte, base64 4 per 3 bytes: past one escape in six bytes
        // (Thai, Persian, most non-Latin scripts) base64 is the smaller, and QP's readability is gone anyway.
        let base64 = QuotedPrintable.escapedCount(body) * 6 > body.count
        field("Content-Type", "\(type); charset=UTF-8", into: &out)
        field("Content-Transfer-Encoding", base64 ? "base64" : "quoted-printable", into: &out)
        out.append(contentsOf: [0x0D, 0x0A])
        if base64 { Base64Body.encode(body, into: &out) } else { QuotedPrintable.encode(body, into: &out) }
    }

    /// The UTF-8 text with CRLF line breaks (a bare LF becomes CRLF) ending in one, the canonical form of text/*
    /// (RFC 2046 §4.1.1), so both encodings carry the same lines and the body ends where DKIM expects.
    private static func canonical(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var text = text
        text.withUTF8 { src in
            // At worst every byte is an LF that gains a CR, plus the final CRLF.
            out.appendUnsafe(maximum: src.count * 2 + 2) { dst in
                var o = 0
                var previous: UInt8 = 0
                for byte in src {
                    if byte == 0x0A, previous != 0x0D {
                        dst[o] = 0x0D
                        o += 1
                    }
                    dst[o] = byte
                    o += 1
                    previous = byte
                }
                if o > 0, !(o >= 2 && dst[o - 2] == 0x0D && dst[o - 1] == 0x0A) {
                    dst[o] = 0x0D
                    dst[o + 1] = 0x0A
                    o += 2
                }
                return o
            }
        }
        return out
    }

    private static func endsWithCRLF(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[bytes.count - 2] == 0x0D && bytes[bytes.count - 1] == 0x0A
    }

    /// `Tue, 14 Oct 2026 09:55:06 +0000` from unix milliseconds, by hand: Foundation's formatters cost more than the
    /// rest of the message.
    static func rfc5322Date(_ millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Timestamp.civilFromDays(Int(days))
        // 1970-01-01 was a Thursday.
        let weekday = ((Int(days) % 7) + 7 + 4) % 7
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(weekdays[weekday]), \(day) \(months[month - 1]) \(year) \(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }
}
