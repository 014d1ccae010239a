/// Entity decoding, for text and for `href`/`alt` values: a handful of named references and numeric ones. Not a full
/// HTML5 entity table: anything else stays literal.
extension HTMLText {
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
}
