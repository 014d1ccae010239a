/// One mailbox, parsed from what an author or the configuration wrote (`ana@example.com`, `Ana Lee <ana@example.com>`,
/// `"Lee, Ana" <ana@example.com>`) into a display name and an addr-spec, and re-serialised safely for `From:`/`To:`
/// and the SMTP envelope (PROTOCOLS §1.6: user text never reaches a header or an SMTP command verbatim). The
/// addr-spec is plain ASCII `local@domain` within RFC 5321's limits, because Herald does not speak SMTPUTF8. It is not
/// a full RFC 5322 address-list parser: no groups, comments, quoted local-parts or lists.
struct MailAddress: Sendable, Equatable {
    var displayName: String?
    var address: String

    init(displayName: String? = nil, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// `field` names the input in errors (`to`, `from`, `headers.Reply-To`).
    init(parsing text: String, field: String = "address") throws(MailFormatError) {
        try MailHeaders.rejectControls(text, field: field, allowTab: false)
        var bytes = Array(text.utf8)[...]
        trimSpaces(&bytes)
        var name: ArraySlice<UInt8> = []
        var spec = bytes
        if bytes.last == UInt8(ascii: ">") {
            guard let open = bytes.lastIndex(of: UInt8(ascii: "<")) else {
                throw Self.invalid(field, "has a '>' without a matching '<'")
            }
            spec = bytes[(open + 1)..<(bytes.endIndex - 1)]
            name = bytes[..<open]
            trimSpaces(&name)
        }
        try Self.validate(addrSpec: spec, field: field)
        address = String(decoding: spec, as: UTF8.self)
        displayName = try Self.unquote(name, field: field)
    }

    /// The part after `@`: what DKIM alignment and the Message-ID use.
    var domain: String {
        guard let at = address.utf8.firstIndex(of: UInt8(ascii: "@")) else { return "" }
        return String(address[address.utf8.index(after: at)...])
    }

    /// `<ana@example.com>`, the form MAIL FROM and RCPT TO take.
    var envelope: String { "<" + address + ">" }

    /// The folded `From:`/`To:` value after `fieldName: `: `<addr>`, `Name <addr>`, `"Lee, Ana" <addr>`, or
    /// `=?UTF-8?B?…?= <addr>` when the name is not plain ASCII. Only the phrase is ever encoded (RFC 2047 §5(3)).
    func headerValue(fieldName: String) -> String {
        let used = fieldName.utf8.count + 2
        let (tokens, limit) = headerTokens(used: used)
        return EncodedWord.fold(tokens, used: used, limit: limit).value
    }

    /// The same on one unfolded line, for a value the builder folds later (`extraHeaders`). The first encoded-word
    /// is sized to fit after a field name of up to 24 characters, so that folding never has to move it.
    func headerValue() -> String {
        String(decoding: headerTokens(used: 26).tokens.joined(), as: UTF8.self)
    }

    private func headerTokens(used: Int) -> (tokens: [[UInt8]], limit: Int) {
        let angle = Array(" <\(address)>".utf8)
        guard let name = displayName, !name.isEmpty else {
            return ([Array(angle.dropFirst())], EncodedWord.plainLineLimit)
        }
        if EncodedWord.isPlain(name) {
            let tokens = EncodedWord.tokens(ascii: Self.phrase(name)) + [angle]
            // A name that cannot be folded under the hard limit (one ~1,000-character word) is encoded instead.
            if EncodedWord.fold(tokens, used: used, limit: EncodedWord.plainLineLimit).longest <= EncodedWord.hardLimit
            {
                return (tokens, EncodedWord.plainLineLimit)
            }
        }
        return (EncodedWord.words(name, used: used) + [angle], EncodedWord.encodedLineLimit)
    }

    /// Re-checks a value built without `init(parsing:)` before it is rendered.
    func validate(field: String) throws(MailFormatError) {
        try MailHeaders.rejectControls(address, field: field, allowTab: false)
        try Self.validate(addrSpec: Array(address.utf8)[...], field: field)
        if let displayName { try MailHeaders.rejectControls(displayName, field: field, allowTab: false) }
    }

    // MARK: - Display name

    /// An ASCII name as an RFC 5322 phrase: atoms as they are, anything else as a quoted-string.
    private static func phrase(_ name: String) -> [UInt8] {
        let bytes = Array(name.utf8)
        let atoms =
            bytes.first != 0x20 && bytes.last != 0x20
            && bytes.allSatisfy { isAtext($0) || $0 == 0x20 }
        if atoms { return bytes }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        quoted.reserveCapacity(bytes.count + 4)
        for byte in bytes {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { quoted.append(UInt8(ascii: "\\")) }
            quoted.append(byte)
        }
        quoted.append(UInt8(ascii: "\""))
        return quoted
    }

    /// `"Lee, Ana"` → `Lee, Ana` (with `\"` and `\\` unescaped); an unquoted name is taken as written. A stray quote
    /// is refused rather than guessed at.
    private static func unquote(_ name: ArraySlice<UInt8>, field: String) throws(MailFormatError) -> String? {
        guard !name.isEmpty else { return nil }
        guard name.first == UInt8(ascii: "\"") else {
            guard !name.contains(UInt8(ascii: "\"")) else {
                throw invalid(
                    field, "has a stray '\"' in the display name; quote the whole name: \"Lee, Ana\" <ana@example.com>")
            }
            return String(decoding: name, as: UTF8.self)
        }
        var out: [UInt8] = []
        var index = name.startIndex + 1
        while index < name.endIndex {
            let byte = name[index]
            if byte == UInt8(ascii: "\\"), index + 1 < name.endIndex {
                out.append(name[index + 1])
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\"") {
                guard index == name.endIndex - 1 else { break }
                return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
            }
            out.append(byte)
            index += 1
        }
        throw invalid(
            field, "has an unterminated or stray '\"' in the display name; write \"Lee, Ana\" <ana@example.com>")
    }

    // MARK: - addr-spec

    /// RFC 5321 §4.1.2/§4.5.3.1: dot-atom local-part ≤ 64 octets, domain of LDH labels (or an address literal)
    /// ≤ 255 octets, whole `<path>` ≤ 256. Anything that would need quoting in RCPT TO is refused: libcurl 7.88.1
    /// passes the envelope through verbatim.
    private static func validate(addrSpec: ArraySlice<UInt8>, field: String) throws(MailFormatError) {
        guard !addrSpec.isEmpty else { throw invalid(field, "is empty") }
        for byte in addrSpec {
            if byte >= 0x80 {
                throw invalid(
                    field,
                    "has non-ASCII characters in the address, which needs SMTPUTF8; use the ASCII "
                        + "(punycode) form, e.g. ana@xn--mnchen-3ya.example")
            }
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") {
                throw invalid(field, "has '<' or '>' inside the address")
            }
            if byte <= 0x20 || byte == 0x7F { throw invalid(field, "has a space or control character in the address") }
        }
        guard addrSpec.count + 2 <= 256 else {
            throw invalid(field, "is longer than 254 characters (RFC 5321 path limit)")
        }
        let ats = addrSpec.indices.filter { addrSpec[$0] == UInt8(ascii: "@") }
        guard ats.count == 1, let at = ats.first else { throw invalid(field, "must contain exactly one '@'") }
        let local = addrSpec[..<at]
        let domain = addrSpec[(at + 1)...]
        guard !local.isEmpty, local.count <= 64 else {
            throw invalid(field, "needs a local part of 1–64 characters before '@'")
        }
        let dotAtom =
            local.first != UInt8(ascii: ".") && local.last != UInt8(ascii: ".")
            && !zip(local, local.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
            && local.allSatisfy { isAtext($0) || $0 == UInt8(ascii: ".") }
        guard dotAtom else {
            throw invalid(field, "has a local part that would need quoting (special characters or misplaced dots)")
        }
        guard !domain.isEmpty, domain.count <= 255 else {
            throw invalid(field, "needs a domain of 1–255 characters after '@'")
        }
        guard isHostname(domain) || isAddressLiteral(domain) else {
            throw invalid(
                field,
                "has an invalid domain; use dot-separated labels of letters, digits and hyphens, "
                    + "e.g. mail.example.com, or an address literal like [192.0.2.1]")
        }
    }

    private static func isHostname(_ domain: ArraySlice<UInt8>) -> Bool {
        domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { MailHeaders.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3); the IPv6 form is checked for its alphabet only.
    private static func isAddressLiteral(_ domain: ArraySlice<UInt8>) -> Bool {
        guard domain.first == UInt8(ascii: "["), domain.last == UInt8(ascii: "]"), domain.count > 2 else {
            return false
        }
        let inner = domain.dropFirst().dropLast()
        if inner.starts(with: "IPv6:".utf8) {
            let rest = inner.dropFirst(5)
            return rest.contains(UInt8(ascii: ":"))
                && rest.allSatisfy { isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
        }
        let parts = inner.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.count) && part.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                    && part.reduce(0) { $0 * 10 + Int($1 - 0x30) } <= 255
            }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// RFC 5322 atext: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E...0x60, 0x7B...0x7E: true
        default: MailHeaders.isAlphanumeric(byte)
        }
    }

    private static func invalid(_ field: String, _ problem: String) -> MailFormatError {
        MailFormatError(
            .invalidAddress, field: field,
            reason: problem + "; a good value looks like ana@example.com or Ana Lee <ana@example.com>")
    }
}

private func trimSpaces(_ bytes: inout ArraySlice<UInt8>) {
    while bytes.first == 0x20 { bytes.removeFirst() }
    while bytes.last == 0x20 { bytes.removeLast() }
}
