import Foundation
import HeraldPluginAPI

/// The field rules that keep a message safe to put on any wire: ids usable as file names and webhook ids,
/// addresses and headers without CR/LF (libcurl 7.88 would send them verbatim: SMTP command injection,
/// PROTOCOLS "Machine facts"), and time zones that exist.
enum MessageRules {
    /// Headers Herald writes itself; a message may not override them.
    static let reservedHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "dkim-signature", "mime-version", "content-type",
        "content-transfer-encoding", "list-unsubscribe", "list-unsubscribe-post", "return-path", "sender", "received",
    ]

    static let knownTimeZones: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC", "Etc/UTC"])

    static func isIDCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
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
        guard !id.isEmpty, id.count <= 200, id.allSatisfy(isIDCharacter) else {
            throw IntakeError(
                .badValue, field: "id", "must be 1–200 characters of A–Z a–z 0–9 - _ : @ + = (no dots, slashes or spaces)")
        }
    }

    static func checkTemplateName(_ name: String) throws(IntakeError) {
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ isIDCharacter($0) && $0 != ":" && $0 != "@" }) else {
            throw IntakeError(.badValue, field: "template", "must be a plain name of A–Z a–z 0–9 - _ (no dots or slashes)")
        }
    }

    static func checkHeader(name: String, value: String) throws(IntakeError) {
        let field = "headers.\(name)"
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }) else {
            throw IntakeError(.badValue, field: field, "a header name is printable ASCII without spaces or ':'")
        }
        guard !reservedHeaders.contains(name.lowercased()) else {
            throw IntakeError(.badValue, field: field, "Herald sets \(name) itself; it cannot be overridden")
        }
        guard value.utf8.count <= 998, !hasLineBreakOrControl(value) else {
            throw IntakeError(.badValue, field: field, "a header value is one line (no CR, LF or NUL) of at most 998 bytes")
        }
    }

    static func checkRecipient(_ recipient: Recipient) throws(IntakeError) {
        if let email = recipient.email { try checkEmail(email) }
        let texts: [(String, String?)] = [
            ("to.name", recipient.name), ("to.phone", recipient.phone), ("to.visitor", recipient.visitor),
            ("to.external_id", recipient.externalID),
        ]
        for (field, text) in texts {
            if let text, hasLineBreakOrControl(text) || text.utf8.count > 320 {
                throw IntakeError(.badValue, field: field, "must be one line (no CR, LF or control characters)")
            }
        }
        for (index, token) in (recipient.push ?? []).enumerated()
        where hasLineBreakOrControl(token.token) || token.token.contains(" ") {
            throw IntakeError(.badValue, field: "to.push[\(index)].token", "must not contain spaces or control characters")
        }
        if let zone = recipient.timezone, !knownTimeZones.contains(zone) {
            throw IntakeError(.badValue, field: "to.timezone", "\"\(zone)\" is not an IANA time zone like Asia/Kuala_Lumpur")
        }
        if recipient.identity == nil {
            throw IntakeError(.missingField, field: "to", "needs at least one address: email, push, phone, visitor or external_id")
        }
    }

    /// A pragmatic addr-spec check: one `@`, a local part and a domain, no spaces, brackets or control characters.
    static func checkEmail(_ email: String) throws(IntakeError) {
        let forbidden: Set<UInt8> = [32, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\")]
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, !parts[1].isEmpty,
            email.utf8.count <= 254, !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.utf8.contains(where: { $0 < 32 || $0 == 127 || forbidden.contains($0) })
        else {
            throw IntakeError(.badValue, field: "to.email", "\"\(email.debugSafe)\" is not an address like ana@example.com")
        }
    }

    static func hasLineBreakOrControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 32 || $0.value == 127 || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }
}

extension String {
    /// The text with control characters made visible, for error messages.
    var debugSafe: String {
        String(String.UnicodeScalarView(unicodeScalars.flatMap { scalar -> [Unicode.Scalar] in
            scalar.value < 32 || scalar.value == 127 ? Array(scalar.escaped(asASCII: true).unicodeScalars) : [scalar]
        }))
    }
}
