/// A readable text/plain alternative derived from an HTML body, for messages that come with HTML only (mail with a
/// text part scores better with spam filters and reads in text-only clients): tags dropped, scripts, styles and
/// comments skipped, basic entities decoded, block ends turned into line breaks, links kept as `text (url)`, runs of
/// blank lines collapsed. A one-pass, byte-level converter, not an HTML parser: no CSS, no table layout, no `<pre>`.
enum HTMLText {
    // The walk over the input lives here; tags, entities and the output buffer each have an HTMLText+… file.

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

    // Byte tests every role file uses.

    static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
    }
}
