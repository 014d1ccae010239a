/// Builds one header field folded with CRLF SP so no line passes 78 columns (RFC 5322 §2.1.1), the way the
/// DKIM-Signature needs it: words move whole to the next line, base64 runs break anywhere. It folds only where
/// the caller says whitespace is allowed; it does not know header syntax and does not enforce the 998 limit.
struct DKIMHeaderFolder {
    static let width = 78

    /// The field so far, without a final CRLF.
    private(set) var text: String
    private var column: Int

    init(fieldName: String) {
        text = fieldName + ":"
        column = text.utf8.count
    }

    /// Appends `word` after `separator` on the current line, or on a new line when it would not fit. `reserve`
    /// counts columns that must still fit after the word (so `b=` is not left alone at a line end).
    mutating func append(_ word: String, separator: String, reserve: Int = 0) {
        let length = word.utf8.count
        if column + separator.utf8.count + length + reserve <= Self.width {
            text += separator + word
            column += separator.utf8.count + length
        } else {
            text += "\r\n " + word
            column = 1 + length
        }
    }

    /// Appends ASCII `run` with no separator, filling each line to the limit; for base64 values, where verifiers
    /// delete all whitespace.
    mutating func appendBreakingAnywhere(_ run: String) {
        var rest = Substring(run)
        while !rest.isEmpty {
            if column >= Self.width {
                text += "\r\n "
                column = 1
            }
            let piece = rest.prefix(Self.width - column)
            text += piece
            column += piece.utf8.count
            rest = rest.dropFirst(piece.count)
        }
    }
}
