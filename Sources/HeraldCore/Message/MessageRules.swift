import Foundation
import HeraldPluginAPI

/// The field rules that keep a message safe to put on any wire: ids usable as file names and webhook ids,
/// addresses and headers without CR/LF (libcurl 7.88 would send them verbatim: SMTP command injection,
/// PROTOCOLS "Machine facts"), and time zones that exist.
enum MessageRules {
    static let knownTimeZones: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC", "Etc/UTC"])

    static func isIDCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return isIDByte(ascii)
    }

    /// The id alphabet, byte by byte. Checking bytes gives the same answer as checking characters: a text of only
    /// these bytes has one character per byte (only CR LF joins two ASCII bytes), and any other byte, or a
    /// combining mark after an allowed one, makes the character it belongs to fail too.
    static func isIDByte(_ ascii: UInt8) -> Bool {
        switch ascii {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"),
            UInt8(ascii: "@"), UInt8(ascii: "+"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// Ids name dead-letter files and are Standard Webhooks ids, where `.` is a delimiter: so no dots or slashes.
    static func checkID(_ id: String) throws(IntakeError) {
        guard id.withUTF8Bytes({ !$0.isEmpty && $0.count <= 200 && $0.allSatisfy(isIDByte) }) else {
            throw IntakeError(
                .badValue, field: "id", "must be 1–200 characters of A–Z a–z 0–9 - _ : @ + = (no dots, slashes or spaces)")
        }
    }

    static func checkTemplateName(_ name: String) throws(IntakeError) {
        let isPlain = name.withUTF8Bytes { bytes in
            !bytes.isEmpty && bytes.count <= 100
                && bytes.allSatisfy { isIDByte($0) && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "@") }
        }
        guard isPlain else {
            throw IntakeError(.badValue, field: "template", "must be a plain name of A–Z a–z 0–9 - _ (no dots or slashes)")
        }
    }

    static func checkHeader(name: String, value: String) throws(IntakeError) {
        var field: String { "headers.\(name)" }
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }) else {
            throw IntakeError(.badValue, field: field, "a header name is printable ASCII without spaces or ':'")
        }
        guard value.utf8.count <= 998, !hasLineBreakOrControl(value) else {
            throw IntakeError(.badValue, field: field, "a header value is one line (no CR, LF or NUL) of at most 998 bytes")
        }
    }

    /// - Parameter hashedIdentifiers: an email that is a SHA-256 hash (64 hex digits) passes as it is.
    static func checkRecipient(_ recipient: Recipient, hashedIdentifiers: Bool = false) throws(IntakeError) {
        if let email = recipient.email, !(hashedIdentifiers && isSHA256Hex(email)) { try checkEmail(email) }
        func checkLine(_ field: String, _ text: String?) throws(IntakeError) {
            if let text, hasLineBreakOrControl(text) || text.utf8.count > 320 {
                throw IntakeError(.badValue, field: field, "must be one line (no CR, LF or control characters)")
            }
        }
        try checkLine("to.name", recipient.name)
        try checkLine("to.phone", recipient.phone)
        try checkLine("to.visitor", recipient.visitor)
        try checkLine("to.external_id", recipient.externalID)
        for (name, value) in recipient.profile.fields { try checkLine("to.\(name)", value) }
        if let country = recipient.profile.country,
            !(country.utf8.count == 2 && country.utf8.allSatisfy { (0x41...0x5A).contains($0 & 0xDF) })
        {
            throw IntakeError(.badValue, field: "to.country", "must be an ISO 3166-1 alpha-2 code such as MY or DE")
        }
        for (index, device) in (recipient.push ?? []).enumerated() {
            let parts = [("token", device.token), ("endpoint", device.endpoint)]
                + (device.keys ?? [:]).sorted { $0.key < $1.key }.map { ("keys.\($0.key)", Optional($0.value)) }
            for case (let name, let text?) in parts where hasLineBreakOrControl(text) || text.contains(" ") {
                throw IntakeError(
                    .badValue, field: "to.push[\(index)].\(name)", "must not contain spaces or control characters")
            }
        }
        if let zone = recipient.timezone, !knownTimeZones.contains(zone) {
            throw IntakeError(.badValue, field: "to.timezone", "\"\(zone)\" is not an IANA time zone like Asia/Kuala_Lumpur")
        }
        if recipient.identity == nil, recipient.extensions.isEmpty {
            throw IntakeError(.missingField, field: "to", "needs at least one address: email, push, phone, visitor or external_id")
        }
    }

    /// 64 hex digits, either case: what a producer sends for an identifier it hashed itself.
    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte | 0x20)
        }
    }

    /// A pragmatic addr-spec check: one `@`, a local part and a domain, no spaces, brackets or control characters.
    static func checkEmail(_ email: String) throws(IntakeError) {
        let isValid = email.withUTF8Bytes { bytes in
            bytes.allSatisfy { $0 < 0x80 } ? isASCIIAddress(bytes) : isAddress(email)
        }
        guard isValid else {
            // The value is not quoted: the reason reaches the delivery log and journald, where no address may
            // appear in clear (the rejected file beside it keeps the message as it came).
            throw IntakeError(
                .badValue, field: "to.email",
                "is not an address like ana@example.com: one @ between a local part and a domain, no spaces, brackets or control characters")
        }
    }

    /// The rule for any text: `@` and `.` are matched as characters, so a combining mark after one changes it.
    private static func isAddress(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[0].utf8.count <= 64 && !parts[1].isEmpty
            && email.utf8.count <= 254 && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !email.utf8.contains(where: isForbiddenInAddress)
    }

    /// The same rule for ASCII text, the usual case, in one pass over the bytes: there every character is one byte
    /// (CR LF aside, which is forbidden either way).
    private static func isASCIIAddress(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        return !local.isEmpty && local.count <= 64 && !domain.isEmpty && bytes.count <= 254
            && !domain.contains(UInt8(ascii: "@")) && domain.first != UInt8(ascii: ".")
            && domain.last != UInt8(ascii: ".") && !bytes.contains(where: isForbiddenInAddress)
    }

    /// Control characters, space, DEL and the characters that would break an address out of a header.
    private static func isForbiddenInAddress(_ byte: UInt8) -> Bool {
        switch byte {
        case 0...32, 127, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
            return true
        default:
            return false
        }
    }

    /// CR, LF, any other C0 control, DEL, or the Unicode line and paragraph separators. Looked for in the UTF-8
    /// bytes: in valid UTF-8 a byte below 0x80 is always that ASCII character, and E2 (never a continuation byte)
    /// followed by 80 A8 or 80 A9 is always U+2028 or U+2029.
    static func hasLineBreakOrControl(_ text: String) -> Bool {
        text.withUTF8Bytes { bytes in
            var previous: (UInt8, UInt8) = (0, 0)
            for byte in bytes {
                if byte < 32 || byte == 127 { return true }
                if byte == 0xA8 || byte == 0xA9, previous == (0xE2, 0x80) { return true }
                previous = (previous.1, byte)
            }
            return false
        }
    }

    /// A character of Unicode category Cc: U+0000–U+001F, U+007F–U+009F. In UTF-8 bytes, the C1 half is C2 80
    /// to C2 9F (C2 is never a continuation byte).
    static func hasControlCharacter(_ text: String) -> Bool {
        text.withUTF8Bytes { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                if byte < 32 || byte == 127 { return true }
                if previous == 0xC2, byte < 0xA0 { return true }
                previous = byte
            }
            return false
        }
    }
}

extension String {
    /// Calls `body` with the text's UTF-8 bytes where they are (short texts are copied to the stack): a loop over a
    /// buffer costs a fraction of one over `utf8`, which looks at the string's representation at every step.
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = self
        return text.withUTF8(body)
    }

    /// The text with control characters made visible, for error messages.
    var debugSafe: String {
        String(String.UnicodeScalarView(unicodeScalars.flatMap { scalar -> [Unicode.Scalar] in
            scalar.value < 32 || scalar.value == 127 ? Array(scalar.escaped(asASCII: true).unicodeScalars) : [scalar]
        }))
    }
}
