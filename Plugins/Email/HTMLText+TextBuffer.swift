/// The output side of the conversion: spacing and line breaks are settled here, so the walk in `plainText` only
/// says what goes in.
extension HTMLText {
    /// The text being built: whitespace collapsed to single spaces, no space at a line's ends, at most one blank line.
    struct TextBuffer {
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

        /// `text (url)`, or just the URL when the link has no text; nothing when the text already is the URL or the
        /// link only goes somewhere inside the page or runs script.
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
}
