import HeraldCrypto
import XCTest

/// Independent decoders for the MIME tests: an RFC 2047 reader, a quoted-printable decoder and a small message
/// splitter, written from the RFCs rather than from the builder's code so round trips check something.
enum MIMEDecode {
    /// Unfolds a field value and decodes `=?UTF-8?B?…?=` words, dropping whitespace between adjacent words.
    static func header(_ value: String) -> String? {
        let unfolded = value.replacingOccurrences(of: "\r\n", with: "")
        var result = ""
        var previousWasWord = false
        for (index, token) in unfolded.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            let isWord = token.hasPrefix("=?UTF-8?B?") && token.hasSuffix("?=") && token.count >= 12
            if index > 0 && !(isWord && previousWasWord) { result += " " }
            if isWord {
                guard let bytes = Base64.decode(String(token.dropFirst(10).dropLast(2))) else { return nil }
                result += String(decoding: bytes, as: UTF8.self)
            } else {
                result += token
            }
            previousWasWord = isWord
        }
        return result
    }

    static func quotedPrintable(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            default: nil
            }
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "=") {
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A {
                    index += 3
                    continue
                }
                guard index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) else {
                    return nil
                }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                lines.append(current)
                current = []
                index += 2
            } else {
                current.append(bytes[index])
                index += 1
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// (header block, body) split at the first empty line.
    static func split(_ bytes: [UInt8]) -> (headers: String, body: [UInt8])? {
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        guard bytes.count >= 4,
            let start = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) })
        else { return nil }
        return (String(decoding: bytes[..<(start + 2)], as: UTF8.self), Array(bytes[(start + 4)...]))
    }

    /// Field values by lowercased name, unfolded but not decoded.
    static func fields(_ headers: String) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for line in headers.components(separatedBy: "\r\n") where !line.isEmpty {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), !fields.isEmpty {
                fields[fields.count - 1].value += "\r\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...]
                fields.append((line[..<colon].lowercased(), String(value.hasPrefix(" ") ? value.dropFirst() : value)))
            }
        }
        return fields
    }

    /// A part's decoded body, by its Content-Transfer-Encoding.
    static func body(headers: String, body: [UInt8]) -> String? {
        let encoding = fields(headers).first { $0.name == "content-transfer-encoding" }?.value
        let decoded: [UInt8]?
        switch encoding {
        case "base64":
            decoded = Base64.decode(String(decoding: body.filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self))
        case "quoted-printable": decoded = quotedPrintable(body)
        default: decoded = nil
        }
        return decoded.map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n") }
    }
}

/// The format rules every rendered message must keep: CRLF only, 7-bit only, header lines ≤ 78, body lines ≤ 76.
func assertWellFormed(_ message: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(message.allSatisfy { $0 < 0x80 && $0 != 0 }, "non-7-bit or NUL byte", file: file, line: line)
    for (index, byte) in message.enumerated() {
        if byte == 0x0A { XCTAssertEqual(index > 0 ? message[index - 1] : 0, 0x0D, "bare LF", file: file, line: line) }
        if byte == 0x0D {
            XCTAssertEqual(index + 1 < message.count ? message[index + 1] : 0, 0x0A, "bare CR", file: file, line: line)
        }
    }
    guard let (headers, body) = MIMEDecode.split(message) else {
        return XCTFail("no header/body split", file: file, line: line)
    }
    for headerLine in headers.components(separatedBy: "\r\n") {
        XCTAssertLessThanOrEqual(headerLine.utf8.count, 78, "header line: \(headerLine)", file: file, line: line)
        XCTAssertFalse(
            headerLine.hasPrefix(" ") && headerLine.allSatisfy { $0 == " " }, "blank fold", file: file, line: line)
    }
    for bodyLine in MIMEDecode.lines(body) {
        XCTAssertLessThanOrEqual(bodyLine.count, 76, String(decoding: bodyLine, as: UTF8.self), file: file, line: line)
    }
}
