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
        // Every byte becomes at most 3 characters, and every 72 output characters at most one 3-character soft break.
        let maximum = bytes.count * 3 + (bytes.count * 3 / 72 + 1) * 3
        out.appendUnsafe(maximum: maximum) { dst in
            bytes.withUnsafeBufferPointer { src in
                let count = src.count
                var o = 0
                var line = 0
                var index = 0
                while index < count {
                    let byte = src[index]
                    if byte == 0x0A || (byte == 0x0D && index + 1 < count && src[index + 1] == 0x0A) {
                        dst[o] = 0x0D
                        dst[o + 1] = 0x0A
                        o += 2
                        line = 0
                        index += byte == 0x0D ? 2 : 1
                        continue
                    }
                    let next = index + 1
                    let endsLine =
                        next == count || src[next] == 0x0A
                        || (src[next] == 0x0D && next + 1 < count && src[next + 1] == 0x0A)
                    let literal =
                        (byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "="))
                        || ((byte == 0x20 || byte == 0x09) && !endsLine)
                    let width = literal ? 1 : 3
                    // The last character of a line may use column 76; any other must leave room for a soft break's `=`.
                    if line + width > (endsLine ? maxLine : maxLine - 1) {
                        dst[o] = UInt8(ascii: "=")
                        dst[o + 1] = 0x0D
                        dst[o + 2] = 0x0A
                        o += 3
                        line = 0
                    }
                    if literal {
                        dst[o] = byte
                    } else {
                        dst[o] = UInt8(ascii: "=")
                        dst[o + 1] = hex[Int(byte >> 4)]
                        dst[o + 2] = hex[Int(byte & 0x0F)]
                    }
                    o += width
                    line += width
                    index += 1
                }
                return o
            }
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
        for byte in bytes
        where byte >= 0x7F || byte == UInt8(ascii: "=") || (byte < 0x20 && byte != 0x0D && byte != 0x0A && byte != 0x09)
        {
            escaped += 1
        }
        return escaped
    }
}

/// Base64 bodies in CRLF-separated lines of 76 characters (RFC 2045 §6.8), no CRLF after the last line. Written
/// straight into the message buffer: this is the bulk of every non-Latin message, and HeraldCrypto's `Base64` builds
/// an intermediate String.
enum Base64Body {
    static let maxLine = 76
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        let characters = (bytes.count + 2) / 3 * 4
        let breaks = characters == 0 ? 0 : (characters - 1) / maxLine
        out.appendUnsafe(maximum: characters + breaks * 2) { dst in
            bytes.withUnsafeBufferPointer { src in
                alphabet.withUnsafeBufferPointer { table in
                    var o = 0
                    var column = 0
                    var index = 0
                    // 76 is a multiple of 4, so line breaks fall between quanta.
                    func quantum(_ chunk: UInt32, _ significant: Int) {
                        if column == maxLine {
                            dst[o] = 0x0D
                            dst[o + 1] = 0x0A
                            o += 2
                            column = 0
                        }
                        dst[o] = table[Int(chunk >> 18 & 63)]
                        dst[o + 1] = table[Int(chunk >> 12 & 63)]
                        dst[o + 2] = significant > 1 ? table[Int(chunk >> 6 & 63)] : UInt8(ascii: "=")
                        dst[o + 3] = significant > 2 ? table[Int(chunk & 63)] : UInt8(ascii: "=")
                        o += 4
                        column += 4
                    }
                    while index + 2 < src.count {
                        quantum(UInt32(src[index]) << 16 | UInt32(src[index + 1]) << 8 | UInt32(src[index + 2]), 3)
                        index += 3
                    }
                    let rest = src.count - index
                    if rest == 1 { quantum(UInt32(src[index]) << 16, 1) }
                    if rest == 2 { quantum(UInt32(src[index]) << 16 | UInt32(src[index + 1]) << 8, 2) }
                    return o
                }
            }
        }
    }

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        encode(bytes, into: &out)
        return out
    }
}

extension Array where Element == UInt8 {
    /// Appends what `write` puts through a pointer to `maximum` zeroed bytes, keeping the `written` it returns: one
    /// bounds-checked growth instead of a uniqueness check per appended byte.
    mutating func appendUnsafe(maximum: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        guard maximum > 0 else { return }
        let start = count
        append(contentsOf: repeatElement(0, count: maximum))
        let written = withUnsafeMutableBufferPointer { buffer in
            write(UnsafeMutableBufferPointer(rebasing: buffer[start...]))
        }
        removeLast(maximum - written)
    }
}
