import HeraldCrypto

/// Header text made 7-bit and folded: RFC 2047 `=?UTF-8?B?…?=` encoded-words for non-ASCII text, and RFC 5322
/// folding (`CRLF SP`) at whitespace for everything (PROTOCOLS §1.7). The output is a field value to be written after
/// `Name: `. It does not validate anything (MailHeaders and MailAddress reject control characters first) and does not
/// know address syntax; MailAddress hands it tokens.
enum EncodedWord {
    /// RFC 2047: a line that holds an encoded-word is at most 76 characters.
    static let encodedLineLimit = 76
    /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters; plain text is folded to that.
    static let plainLineLimit = 78
    /// RFC 5322 §2.1.1 MUST. Plain text that cannot be folded below it (an unbroken run of ~1,000 characters) is
    /// encoded instead, because encoded-words can be cut anywhere.
    static let hardLimit = 998
    private static let opening = Array("=?UTF-8?B?".utf8)
    private static let closing = Array("?=".utf8)
    private static let overhead = 12
    /// Base64 characters per word: a word is ≤ 75 characters (63 after the delimiters) and a continuation line is
    /// SP + word ≤ 76; both round down to 60, a whole number of base64 quanta (45 bytes), so no word needs padding
    /// except the last.
    private static let maxEncodedChars = 60

    /// The folded value of an unstructured field (Subject, custom headers): printable ASCII stays readable and is
    /// folded at whitespace; anything else becomes encoded-words of at most 45 UTF-8 bytes each.
    static func encode(_ text: String, fieldName: String) -> String {
        let used = fieldName.utf8.count + 2
        if isPlain(text) {
            let folded = fold(tokens(ascii: Array(text.utf8)), used: used, limit: plainLineLimit)
            if folded.longest <= hardLimit { return folded.value }
        }
        return fold(words(text, used: used), used: used, limit: encodedLineLimit).value
    }

    /// Folds a value that is already 7-bit for `fieldName`, whatever folds it came with (a MailAddress value, a
    /// List-Unsubscribe with one URI per line). Nil unless it is printable ASCII whose only CRs and LFs are folds
    /// (`CRLF` before SP or HTAB) and it folds within the hard limit.
    static func refold(_ value: String, fieldName: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        var pending = 0  // 1 after a CR, 2 after CRLF: only SP or HTAB may follow
        for byte in value.utf8 {
            switch (pending, byte) {
            case (0, 0x0D): pending = 1
            case (1, 0x0A): pending = 2
            case (0, 0x09), (0, 0x20...0x7E), (2, 0x09), (2, 0x20):
                bytes.append(byte)
                pending = 0
            default: return nil
            }
        }
        guard pending == 0 else { return nil }
        let encoded = zip(bytes, bytes.dropFirst()).contains { $0 == UInt8(ascii: "=") && $1 == UInt8(ascii: "?") }
        let used = fieldName.utf8.count + 2
        let folded = fold(tokens(ascii: bytes), used: used, limit: encoded ? encodedLineLimit : plainLineLimit)
        return folded.longest <= hardLimit ? folded.value : nil
    }

    /// True when the text can appear in a header as is: printable US-ASCII, SP and HTAB only, and no `=?`, which a
    /// decoder could take for the start of an encoded-word and show as something else.
    static func isPlain(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            guard (byte >= 0x20 && byte < 0x7F) || byte == 0x09 else { return false }
            if previous == UInt8(ascii: "="), byte == UInt8(ascii: "?") { return false }
            previous = byte
        }
        return true
    }

    /// Splits ASCII text into foldable tokens: each is a whitespace run followed by a non-whitespace run, so a fold
    /// (CRLF inserted before a token) never leaves a line of only whitespace and unfolding restores the text exactly.
    static func tokens(ascii bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var inWord = false
        for byte in bytes {
            let space = byte == 0x20 || byte == 0x09
            if space && inWord {
                result.append(current)
                current.removeAll(keepingCapacity: true)
                inWord = false
            }
            if !space { inWord = true }
            current.append(byte)
        }
        // Trailing whitespace stays glued to the last word for the same reason.
        if inWord || result.isEmpty {
            result.append(current)
        } else {
            result[result.count - 1].append(contentsOf: current)
        }
        return result
    }

    /// Encoded-words for `text`, as fold tokens: the first sized to fit after `used` characters, the others with a
    /// leading SP. Splits only between grapheme clusters so a Thai or Vietnamese base letter keeps its marks; a
    /// cluster too big for one word (a pathological stack of combining marks) is split between code points, which is
    /// all RFC 2047 §5 requires.
    static func words(_ text: String, used: Int) -> [[UInt8]] {
        let firstRoom = encodedLineLimit - used - overhead
        // With under 8 characters of room not even one 4-byte character fits; the first word is then full size and
        // `fold` gives it a line of its own.
        var capacity = (firstRoom < 8 ? maxEncodedChars : min(maxEncodedChars, firstRoom)) / 4 * 3
        var result: [[UInt8]] = []
        var chunk: [UInt8] = []
        chunk.reserveCapacity(maxEncodedChars)
        func flush() {
            var word: [UInt8] = result.isEmpty ? [] : [0x20]
            word.reserveCapacity(1 + overhead + maxEncodedChars)
            word.append(contentsOf: opening)
            word.append(contentsOf: Base64.encode(chunk).utf8)
            word.append(contentsOf: closing)
            result.append(word)
            chunk.removeAll(keepingCapacity: true)
            capacity = maxEncodedChars / 4 * 3
        }
        func add<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
            if chunk.count + bytes.count > capacity {
                guard !chunk.isEmpty else { return false }
                flush()
                guard bytes.count <= capacity else { return false }
            }
            chunk.append(contentsOf: bytes)
            return true
        }
        for character in text {
            if add(character.utf8) { continue }
            for scalar in character.unicodeScalars {
                // A scalar is at most 4 bytes and capacity is at least 6, so this cannot fail.
                _ = add(scalar.utf8)
            }
        }
        if !chunk.isEmpty || result.isEmpty { flush() }
        return result
    }

    /// Joins tokens on one line while they fit in `limit`, folding before a token that starts with whitespace when it
    /// does not. `used` is what precedes the value on the first line (`Name: `). A first encoded-word too long for
    /// that line moves to its own line (`Name: CRLF SP =?…`), which is legal folding white space; plain text is never
    /// moved that way, because a parser would keep the moved space as part of an unstructured value. Returns the value
    /// and its longest line, so callers can tell when plain text could not be folded below the hard limit.
    static func fold(_ tokens: [[UInt8]], used: Int, limit: Int) -> (value: String, longest: Int) {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.reduce(0) { $0 + $1.count + 3 })
        var line = used
        var longest = 0
        for (index, token) in tokens.enumerated() {
            if line + token.count > limit && line > 0 {
                let foldable = token.first == 0x20 || token.first == 0x09
                let movable =
                    index == 0 && token.starts(with: [UInt8(ascii: "="), UInt8(ascii: "?")])
                    && token.count < limit
                if foldable || movable {
                    longest = max(longest, line)
                    out.append(contentsOf: movable ? [0x0D, 0x0A, 0x20] : [0x0D, 0x0A])
                    line = movable ? 1 : 0
                }
            }
            out.append(contentsOf: token)
            line += token.count
        }
        return (String(decoding: out, as: UTF8.self), max(longest, line))
    }
}
