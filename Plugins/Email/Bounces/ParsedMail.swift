import Foundation

/// A mail as a bounce or a feedback report arrives, split into what the bounce parsers read: unfolded header
/// fields (names lower-cased, in order) and the body, with a multipart body split into its parts, recursively.
/// Lenient by design: a report is read as far as it goes; nothing here throws. Bytes beyond ASCII in headers are
/// kept as UTF-8 (with replacement characters where they are not).
struct ParsedMail: Sendable {
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var parts: [ParsedMail]

    init(_ bytes: [UInt8], depth: Int = 0) {
        let (head, rest) = Self.splitHead(bytes)
        headers = Self.fields(head)
        body = rest
        parts = []
        // A report nests a message in a message; eight levels is more than any real one.
        guard depth < 8, let type = header("content-type") else { return }
        let lower = type.lowercased()
        if lower.hasPrefix("multipart/"), let boundary = Self.parameter("boundary", in: type) {
            parts = Self.split(body, boundary: boundary).map { ParsedMail($0, depth: depth + 1) }
        } else if lower.hasPrefix("message/rfc822") || lower.hasPrefix("text/rfc822-headers")
            || lower.hasPrefix("message/delivery-status") || lower.hasPrefix("message/feedback-report")
        {
            parts = [ParsedMail(body, depth: depth + 1)]
        }
    }

    /// The first value of header `name` (lower case).
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// The content type without parameters, lower-cased.
    var contentType: String {
        (header("content-type") ?? "text/plain").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "text/plain"
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// Every part, depth first, this one included.
    var allParts: [ParsedMail] { [self] + parts.flatMap(\.allParts) }

    /// Header blocks of a `message/delivery-status` body: the per-message fields, then one block per recipient.
    static func fieldBlocks(_ body: [UInt8]) -> [[(name: String, value: String)]] {
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        return text.components(separatedBy: "\n\n").map { fields(Array($0.utf8)) }.filter { !$0.isEmpty }
    }

    private static func splitHead(_ bytes: [UInt8]) -> ([UInt8], [UInt8]) {
        var index = 0
        while index < bytes.count {
            if bytes[index] == 10 {
                let next = index + 1
                if next < bytes.count, bytes[next] == 10 { return (Array(bytes[..<index]), Array(bytes[(next + 1)...])) }
                if next + 1 < bytes.count, bytes[next] == 13, bytes[next + 1] == 10 {
                    return (Array(bytes[..<index]), Array(bytes[(next + 2)...]))
                }
            }
            index += 1
        }
        return (bytes, [])
    }

    static func fields(_ head: [UInt8]) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for line in String(decoding: head, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first == " " || first == "\t" {
                if !out.isEmpty { out[out.count - 1].value += " " + line.trimmingCharacters(in: .whitespacesAndNewlines) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            out.append((
                line[..<colon].trimmingCharacters(in: .whitespacesAndNewlines).lowercased(),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            ))
        }
        return out
    }

    static func parameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    private static func split(_ body: [UInt8], boundary: String) -> [[UInt8]] {
        let text = String(decoding: body, as: UTF8.self)
        let delimiter = "--" + boundary
        var parts: [[UInt8]] = []
        for (index, chunk) in text.components(separatedBy: delimiter).enumerated() where index > 0 {
            if chunk.hasPrefix("--") { break }
            // The line break after the delimiter belongs to it (CR LF is one Character, LF another).
            var part = Substring(chunk)
            if part.hasPrefix("\r\n") || part.hasPrefix("\n") { part = part.dropFirst() }
            parts.append(Array(part.utf8))
        }
        return parts
    }
}
