/// DKIM "relaxed" canonicalization (RFC 6376 §3.4.2, §3.4.4) and the split of a message into header fields and
/// body that it needs. Pure byte functions, tested without keys. The "simple" algorithm is deliberately absent:
/// Herald always signs `c=relaxed/relaxed`, which survives the whitespace changes relays make.
enum DKIMCanonicalization {
    /// One header field as it appears in the message, for bottom-up selection by name.
    struct HeaderField: Equatable {
        /// The field name, ASCII-lowercased, without whitespace before the colon.
        var name: String
        /// The whole field including folding CRLFs, without its final CRLF.
        var raw: ArraySlice<UInt8>
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let colon = UInt8(ascii: ":")

    private static func isWSP(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// Splits a CRLF message at the first empty line. Lines starting with WSP continue the previous field. A
    /// message without an empty line is all header, with an empty body.
    static func split(_ message: [UInt8]) -> (headers: [HeaderField], body: ArraySlice<UInt8>) {
        var fields: [HeaderField] = []
        var fieldStart: Int? = nil
        var lineStart = 0
        // Closes the open field before the line starting at `lineStart` (minus the CRLF that ends it).
        func closeField(endingAt end: Int) {
            if let start = fieldStart { fields.append(field(message[start..<end])) }
            fieldStart = nil
        }
        var index = 0
        while index + 1 < message.count {
            guard message[index] == cr, message[index + 1] == lf else {
                index += 1
                continue
            }
            if index == lineStart {  // the empty line: the body follows
                closeField(endingAt: max(lineStart - 2, 0))
                return (fields, message[(index + 2)...])
            }
            if fieldStart == nil || !isWSP(message[lineStart]) {
                closeField(endingAt: max(lineStart - 2, 0))
                fieldStart = lineStart
            }
            index += 2
            lineStart = index
        }
        if lineStart < message.count {  // a last line without CRLF
            if fieldStart == nil || !isWSP(message[lineStart]) {
                closeField(endingAt: max(lineStart - 2, 0))
                fieldStart = lineStart
            }
            closeField(endingAt: message.count)
        } else {
            closeField(endingAt: max(lineStart - 2, 0))
        }
        return (fields, message[message.count...])
    }

    private static func field(_ raw: ArraySlice<UInt8>) -> HeaderField {
        // A line without a colon gets the empty name, which no signed name can equal.
        guard let colonIndex = raw.firstIndex(of: colon) else { return HeaderField(name: "", raw: raw) }
        var nameBytes = raw[raw.startIndex..<colonIndex]
        while let last = nameBytes.last, isWSP(last) { nameBytes.removeLast() }
        return HeaderField(name: lowercased(nameBytes), raw: raw)
    }

    /// ASCII-only lowercasing: header names are ASCII, and Unicode case mapping must not change their length.
    static func lowercased(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: bytes.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// Relaxed header canonicalization: lowercase name; unfold; WSP runs to one SP; no WSP at the end of the
    /// value or around the colon. Returns `name:value` without CRLF.
    static func relaxedHeader(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        let colonIndex = raw.firstIndex(of: colon) ?? raw.endIndex
        var name = Array(lowercased(raw[raw.startIndex..<colonIndex]).utf8)
        while let last = name.last, isWSP(last) { name.removeLast() }
        var out = name
        out.append(colon)
        guard colonIndex < raw.endIndex else { return out }
        var pendingSpace = false
        var index = colonIndex + 1
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == cr, index + 1 < raw.endIndex, raw[index + 1] == lf {
                index += 2  // unfold: the CRLF goes, the WSP after it stays and collapses below
                continue
            }
            if isWSP(byte) {
                pendingSpace = true
            } else {
                // WSP right after the colon is dropped, not collapsed.
                if pendingSpace, out.count > name.count + 1 { out.append(space) }
                pendingSpace = false
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    /// Relaxed body canonicalization: WSP runs to one SP, no WSP at line ends, no empty lines at the end, and a
    /// final CRLF on a non-empty body. An empty body (or one of only empty lines) canonicalizes to nothing.
    static func relaxedBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 2)
        var pendingSpace = false
        var emptyLinesHeld = 0  // empty lines are written only once a later line proves they are not trailing
        var lineHasContent = false
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            if byte == cr, index + 1 < body.endIndex, body[index + 1] == lf {
                if lineHasContent {
                    out.append(cr)
                    out.append(lf)
                } else {
                    emptyLinesHeld += 1
                }
                pendingSpace = false
                lineHasContent = false
                index += 2
                continue
            }
            if isWSP(byte) {
                pendingSpace = true
            } else {
                if !lineHasContent {
                    for _ in 0..<emptyLinesHeld { out.append(contentsOf: [cr, lf]) }
                    emptyLinesHeld = 0
                }
                if pendingSpace { out.append(space) }
                pendingSpace = false
                lineHasContent = true
                out.append(byte)
            }
            index += 1
        }
        if lineHasContent { out.append(contentsOf: [cr, lf]) }
        return out
    }
}
