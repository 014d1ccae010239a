/// Tag handling: which tags shape the text (`Kind`, looked up by packed name) and how one tag is read from the
/// input. Every other tag, and every attribute but `href` and `alt`, is dropped.
extension HTMLText {
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

    /// One tag: its name and kind, whether it closes, the `href`/`alt` it carries, and the index after its `>`.
    /// Comments, `<!DOCTYPE>` and `<?…?>` parse as nameless tags so they vanish; a `<` that starts no tag is text.
    struct Tag {
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
}
