/// Admission of the custom headers a message brings in its `headers` object (PROTOCOLS §1.6): names limited to
/// `[A-Za-z0-9-]`, values free of CR, LF, NUL and other control characters, and no header Herald writes itself.
/// Values come back 7-bit and folded, ready for `MIMEMessage.extraHeaders`. It also holds the control-character
/// check every user-influenced header field goes through. It does not add Herald's own headers (List-Unsubscribe is
/// the plugin's) and does not render anything.
enum MailHeaders {
    /// Fields the builder, the DKIM signer, the unsubscribe logic or the receiving MTAs own, lowercased. Letting a
    /// message set one would duplicate a field, break the MIME structure or forge trace and signature data.
    static let owned: Set<String> = [
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding", "dkim-signature", "list-unsubscribe", "list-unsubscribe-post", "return-path",
        "received", "sender",
    ]
    /// RFC 5322's recommended line length minus `: `, so a name always leaves room for a value on its line.
    static let maxNameLength = 76

    /// The `headers` object of a message, in name order so the same message always renders the same bytes.
    static func validate(_ headers: [String: String]) throws(MailFormatError) -> [(name: String, value: String)] {
        try validate(headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) })
    }

    /// Validates and encodes each header, in order; refuses duplicates (case-insensitive), which RFC 5322 forbids
    /// for Reply-To and which would be ambiguous for anything else.
    static func validate(_ headers: [(name: String, value: String)]) throws(MailFormatError)
        -> [(name: String, value: String)]
    {
        var seen = Set<String>()
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(headers.count)
        for header in headers {
            let valid = try validate(name: header.name, value: header.value)
            guard seen.insert(header.name.lowercased()).inserted else {
                throw MailFormatError(
                    .invalidHeaderName, field: "headers.\(header.name)",
                    reason: "the header is given twice (names are case-insensitive); keep one")
            }
            result.append(valid)
        }
        return result
    }

    static func validate(name: String, value: String) throws(MailFormatError) -> (name: String, value: String) {
        let field = "headers.\(name)"
        try checkName(name, field: field)
        let lowered = name.lowercased()
        // Content-* fields describe the body Herald builds (Content-Disposition, Content-ID, …); the others are in
        // `owned` for the reasons given there.
        guard !owned.contains(lowered), !lowered.hasPrefix("content-") else {
            throw MailFormatError(
                .reservedHeader, field: field,
                reason: "Herald sets this header itself; use the message's own fields (to, subject, …) or a custom "
                    + "name such as X-Campaign-ID")
        }
        if lowered == "reply-to" {
            let address = try MailAddress(parsing: value, field: field)
            return (name, address.headerValue(fieldName: name))
        }
        try rejectControls(value, field: field, allowTab: true)
        return (name, EncodedWord.encode(value, fieldName: name))
    }

    static func checkName(_ name: String, field: String) throws(MailFormatError) {
        let bytes = name.utf8
        let valid =
            (1...maxNameLength).contains(bytes.count)
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        guard valid else {
            throw MailFormatError(
                .invalidHeaderName, field: field,
                reason: "a header name is 1–\(maxNameLength) letters, digits and hyphens, e.g. X-Campaign-ID")
        }
    }

    /// Rejects, rather than strips, CR, LF, NUL, the other C0 controls, DEL and the C1 controls (U+0080–U+009F):
    /// silently dropping them would change what the author wrote, and leaving CR/LF in is header injection. HTAB is
    /// legal in unstructured values, so callers choose.
    static func rejectControls(_ text: String, field: String, allowTab: Bool) throws(MailFormatError) {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            // C1 controls are the two-byte UTF-8 sequences C2 80 … C2 9F.
            let c1 = previous == 0xC2 && byte >= 0x80 && byte <= 0x9F
            if (byte < 0x20 && !(allowTab && byte == 0x09)) || byte == 0x7F || c1 {
                throw MailFormatError(
                    .forbiddenCharacter, field: field,
                    reason: "contains \(controlName(byte, c1: c1)); use a single line of text without control "
                        + "characters")
            }
            previous = byte
        }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func controlName(_ byte: UInt8, c1: Bool) -> String {
        switch byte {
        case 0x0D: "a carriage return (CR)"
        case 0x0A: "a line feed (LF)"
        case 0x00: "a NUL character"
        case 0x09: "a tab"
        default: c1 ? "a C1 control character" : "a control character"
        }
    }
}
