/// A readable text/plain alternative derived from an HTML body, for messages that come with HTML only (mail with a
/// text part scores better with spam filters and reads in text-only clients): tags dropped, scripts, styles and
/// comments skipped, basic entities decoded, block ends turned into line breaks, links kept as `text (url)`, runs of
/// blank lines collapsed. A one-pass, byte-level converter, not an HTML parser: no CSS, no table layout, no `<pre>`.
enum HTMLText {
    enum Kind { case lineBreak, paragraph, block, listItem, image, link, hidden }

    /// The tags that shape the text, by packed name (see `key`); every other tag just disappears. A short linear scan
    /// of integers: hashing a String per tag cost more than the rest of the conversion.
    private static let kinds: [(key: UInt64, kind: Kind)] = {
        let blocks = ["div", "tr", "table", "ul", "ol", "blockquote", "hr", "section", "header", "footer", "center"]
        let names: [(String, Kind)] =
            [("br", .lineBreak), ("li", .listItem), ("img", .image), ("a", .link)]
            + ["p", "h1", "h2", "h3", "h4", "h5", "h6"].map { ($0, .paragraph) } + blocks.map { ($0, .block) }
            + ["script", "style", "title", "template"].map { ($0, .hidden) }
        return names.map { (key(Array($0.0.utf8)[...]), $0.1) }
    }()

    /// A tag name as one integer: its first 7 bytes lowercased, and its length in the top byte.
    static func key(_ name: ArraySlice<UInt8>) -> UInt64 {
        var key = UInt64(min(name.count, 255)) << 56
        for (offset, byte) in name.prefix(7).enumerated() { key |= UInt64(lowercase(byte)) << (8 * offset) }
        return key
    }

    static func kind(of name: ArraySlice<UInt8>) -> Kind? {
        let key = key(name)
        return kinds.first { $0.key == key }?.kind
    }

    static func plainText(_ html: String) -> String {
        let input = Array(html.utf8)
        var text = TextBuffer(capacity: input.count)
        var link: (href: [UInt8], start: Int)?
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "&"), let (decoded, end) = entity(input, at: index) {
                if decoded == [0x20] { text.space() } else { decoded.forEach { text.append($0) } }
                index = end
                continue
            }
            guard byte == UInt8(ascii: "<"), let tag = Tag.parse(input, at: index) else {
                if isSpace(byte) {
                    text.space()
                    index += 1
                    continue
                }
                // A run of ordinary text goes in at once.
                let start = index
                index += 1
                while index < input.count, !isSpace(input[index]), input[index] != UInt8(ascii: "<"),
                    input[index] != UInt8(ascii: "&")
                {
                    index += 1
                }
                text.append(contentsOf: input[start..<index])
                continue
            }
            index = tag.end
            switch tag.kind {
            case .lineBreak: text.lineBreak()
            case .paragraph: text.breaks(2)
            case .block: text.breaks(1)
            case .listItem:
                text.breaks(1)
                if !tag.closing { "- ".utf8.forEach { text.append($0) } }
            case .image: if let alt = tag.alt, !tag.closing { text.append(contentsOf: alt[...]) }
            case .link where !tag.closing: link = (tag.href ?? [], text.count)
            case .link:
                if let open = link { text.closeLink(href: open.href, textStart: open.start) }
                link = nil
            case .hidden: if !tag.closing { index = skipContent(of: input[tag.name], in: input, from: index) }
            case nil: break
            }
        }
        return text.finish()
    }

    /// Index after `</name…>`, or `from` when there is no closing tag, so a broken document loses a tag, never the
    /// rest of its text.
    private static func skipContent(of name: ArraySlice<UInt8>, in input: [UInt8], from: Int) -> Int {
        let closing = Array("</".utf8) + name.map(lowercase)
        var index = from
        while index + closing.count <= input.count {
            if input[index] == UInt8(ascii: "<"),
                zip(input[index..<(index + closing.count)], closing).allSatisfy({ lowercase($0) == $1 })
            {
                return input[index...].firstIndex(of: UInt8(ascii: ">")).map { $0 + 1 } ?? input.count
            }
            index += 1
        }
        return from
    }

    /// `&amp;` `&lt;` `&gt;` `&quot;` `&#39;` `&apos;` `&nbsp;` (as a plain space) and numeric references; nil for
    /// anything else, which then stays literal.
    static func entity(_ input: [UInt8], at index: Int) -> (bytes: [UInt8], end: Int)? {
        let limit = min(input.count, index + 12)
        guard let semicolon = input[index..<limit].firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let name = String(decoding: input[(index + 1)..<semicolon], as: UTF8.self)
        let end = semicolon + 1
        switch name {
        case "amp": return ([UInt8(ascii: "&")], end)
        case "lt": return ([UInt8(ascii: "<")], end)
        case "gt": return ([UInt8(ascii: ">")], end)
        case "quot": return ([UInt8(ascii: "\"")], end)
        case "apos", "#39": return ([UInt8(ascii: "'")], end)
        case "nbsp", "#160": return ([0x20], end)
        default: break
        }
        guard name.hasPrefix("#") else { return nil }
        let digits = name.dropFirst()
        let hex = digits.first == "x" || digits.first == "X"
        guard let value = UInt32(hex ? String(digits.dropFirst()) : String(digits), radix: hex ? 16 : 10) else {
            return nil
        }
        // Controls would only smuggle line breaks or worse into the text; a space stands in for them.
        guard value >= 0x20, value != 0x7F, !(0x80..<0xA0).contains(value) else { return ([0x20], end) }
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        return (Array(String(Character(scalar)).utf8), end)
    }

    static func decodeEntities(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        guard input.contains(UInt8(ascii: "&")) else { return input }
        var out: [UInt8] = []
        var index = 0
        while index < input.count {
            let decoded = input[index] == UInt8(ascii: "&") ? entity(input, at: index) : nil
            out.append(contentsOf: decoded?.bytes ?? [input[index]])
            index = decoded?.end ?? index + 1
        }
        return out
    }

    static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
    }
}

/// One tag: its name and kind, whether it closes, the `href`/`alt` it carries, and the index after its `>`.
/// Comments, `<!DOCTYPE>` and `<?…?>` parse as nameless tags so they vanish; a `<` that starts no tag is text.
private struct Tag {
    /// Where the name is in the input; a range rather than a slice, which would retain the input per tag.
    var name: Range<Int> = 0..<0
    var kind: HTMLText.Kind?
    var closing = false
    var href: [UInt8]?
    var alt: [UInt8]?
    var end = 0

    static func parse(_ input: [UInt8], at start: Int) -> Tag? {
        var tag = Tag()
        var index = start + 1
        guard index < input.count else { return nil }
        if input[index] == UInt8(ascii: "!") || input[index] == UInt8(ascii: "?") {
            let comment = input[index...].starts(with: "!--".utf8)
            let terminator = Array((comment ? "-->" : ">").utf8)
            tag.end = find(terminator, in: input, from: index).map { $0 + terminator.count } ?? input.count
            return tag
        }
        if input[index] == UInt8(ascii: "/") {
            tag.closing = true
            index += 1
        }
        let nameStart = index
        while index < input.count, isNameByte(input[index]) { index += 1 }
        guard index > nameStart, isLetter(input[nameStart]) else { return nil }
        tag.name = nameStart..<index
        tag.kind = HTMLText.kind(of: input[tag.name])
        // Attributes: name[=value], values quoted with " or ' or bare; only href and alt are kept (and decoded).
        while index < input.count, input[index] != UInt8(ascii: ">") {
            let attributeStart = index
            while index < input.count, isNameByte(input[index]) { index += 1 }
            let attribute = input[attributeStart..<index]
            guard index > attributeStart else {
                index += 1  // whitespace, `/` or junk between attributes
                continue
            }
            while index < input.count, HTMLText.isSpace(input[index]) { index += 1 }
            guard index < input.count, input[index] == UInt8(ascii: "=") else { continue }
            index += 1
            while index < input.count, HTMLText.isSpace(input[index]) { index += 1 }
            guard index < input.count else { break }
            let quote = input[index]
            let quoted = quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'")
            if quoted { index += 1 }
            let valueStart = index
            while index < input.count {
                let byte = input[index]
                if quoted ? byte == quote : (HTMLText.isSpace(byte) || byte == UInt8(ascii: ">")) { break }
                index += 1
            }
            let value = input[valueStart..<index]
            if quoted, index < input.count { index += 1 }
            if equalsIgnoringCase(attribute, "href") {
                tag.href = HTMLText.decodeEntities(value)
            } else if equalsIgnoringCase(attribute, "alt") {
                tag.alt = HTMLText.decodeEntities(value)
            }
        }
        tag.end = min(index + 1, input.count)
        return tag
    }

    private static func find(_ needle: [UInt8], in input: [UInt8], from: Int) -> Int? {
        guard input.count >= needle.count, from <= input.count - needle.count else { return nil }
        return (from...(input.count - needle.count)).first { input[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ name: StaticString) -> Bool {
        bytes.count == name.utf8CodeUnitCount
            && zip(bytes, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)).allSatisfy {
                HTMLText.lowercase($0) == $1
            }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        HTMLText.lowercase(byte) >= 0x61 && HTMLText.lowercase(byte) <= 0x7A
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
    }
}

/// The text being built: whitespace collapsed to single spaces, no space at a line's ends, at most one blank line.
private struct TextBuffer {
    private var bytes: [UInt8] = []
    private var pendingSpace = false
    private var newlines = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func append(_ byte: UInt8) {
        if pendingSpace, !bytes.isEmpty, newlines == 0 { bytes.append(0x20) }
        pendingSpace = false
        bytes.append(byte)
        newlines = 0
    }

    mutating func append(contentsOf run: ArraySlice<UInt8>) {
        guard !run.isEmpty else { return }
        if pendingSpace, !bytes.isEmpty, newlines == 0 { bytes.append(0x20) }
        pendingSpace = false
        bytes.append(contentsOf: run)
        newlines = 0
    }

    mutating func space() { pendingSpace = true }

    /// `<br>`: one more line break, up to one blank line.
    mutating func lineBreak() { breaks(min(newlines + 1, 2)) }

    /// Ends the current line with at least `count` line breaks (2 = a blank line after it).
    mutating func breaks(_ count: Int) {
        pendingSpace = false
        guard !bytes.isEmpty else { return }
        while newlines < count {
            bytes.append(0x0A)
            newlines += 1
        }
    }

    /// `text (url)`, or just the URL when the link has no text; nothing when the text already is the URL or the link
    /// only goes somewhere inside the page or runs script.
    mutating func closeLink(href: [UInt8], textStart: Int) {
        let label = bytes[min(textStart, bytes.count)...].drop { $0 == 0x20 }
        let bare = href.starts(with: "mailto:".utf8) ? Array(href.dropFirst(7)) : href
        guard !href.isEmpty, href.first != UInt8(ascii: "#"), !href.starts(with: "javascript:".utf8),
            !label.elementsEqual(href), !label.elementsEqual(bare)
        else { return }
        if label.isEmpty || newlines > 0 {
            append(contentsOf: href[...])
            return
        }
        space()
        append(UInt8(ascii: "("))
        append(contentsOf: href[...])
        append(UInt8(ascii: ")"))
    }

    func finish() -> String {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x20 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
