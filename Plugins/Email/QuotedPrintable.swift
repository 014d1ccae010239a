import HeraldCrypto

/// The two RFC 2045 body encodings that make UTF-8 text 7-bit: quoted-printable for mostly-ASCII text (still readable
/// in the raw message) and base64 for scripts where nearly every byte would need escaping. Both write into a caller's
/// buffer so the builder assembles a message in one allocation. Not for headers (EncodedWord) and not for choosing
/// between the two (MIMEMessage).
enum QuotedPrintable {
    /// RFC 2045 §6.7 rule 5: encoded lines are at most 76 characters, a soft break's `=` included.
    static let maxLine = 76
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Encodes UTF-8 text. CRLF and bare LF become hard line breaks (CRLF); longer lines get soft breaks (`=` CRLF).
    /// `=`, controls (a bare CR included), DEL and non-ASCII bytes are escaped as `=XX`, and so is a space or tab that
    /// ends a line, which transports may strip (rule 3).
    static func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        let count = bytes.count
        var line = 0
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == 0x0A || (byte == 0x0D && index + 1 < count && bytes[index + 1] == 0x0A) {
                out.append(0x0D)
                out.append(0x0A)
                line = 0
                index += byte == 0x0D ? 2 : 1
                continue
            }
            let next = index + 1
            let endsLine =
                next == count || bytes[next] == 0x0A
                || (bytes[next] == 0x0D && next + 1 < count && bytes[next + 1] == 0x0A)
            let literal =
                (byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !endsLine)
            let width = literal ? 1 : 3
            // The last character of a line may use column 76; any other must leave room for a soft break's `=`.
            if line + width > (endsLine ? maxLine : maxLine - 1) {
                out.append(UInt8(ascii: "="))
                out.append(0x0D)
                out.append(0x0A)
                line = 0
            }
            if literal {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "="))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
            line += width
            index += 1
        }
    }

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8 + 16)
        encode(bytes, into: &out)
        return out
    }

    /// How many bytes quoted-printable would escape (3 characters each instead of 1); what the builder weighs
    /// against base64's flat 4/3.
    static func escapedCount(_ bytes: [UInt8]) -> Int {
        var escaped = 0
        for byte in bytes where byte >= 0x7F || byte == UInt8(ascii: "=") || (byte < 0x20 && byte != 0x0D && byte != 0x0A && byte != 0x09) {
            escaped += 1
        }
        return escaped
    }
}

/// Base64 bodies in CRLF-separated lines of 76 characters (RFC 2045 §6.8), no CRLF after the last line.
enum Base64Body {
    static let maxLine = 76

    static func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        var column = 0
        for char in Base64.encode(bytes).utf8 {
            if column == maxLine {
                out.append(0x0D)
                out.append(0x0A)
                column = 0
            }
            out.append(char)
            column += 1
        }
    }

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4 * 78 / 76 + 4)
        encode(bytes, into: &out)
        return out
    }
}
