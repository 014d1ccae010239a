import Foundation

/// The Unicode steps the field normalisers share: trimming, keeping only some kinds of scalars, NFC. It holds no
/// platform rule; those are in `AudienceRules` and the per-field normalisers.
enum TextFolding {
    /// Whitespace, controls (NUL, VT) and format characters (a CSV's byte-order mark, zero-width spaces): none of
    /// them is ever part of a value, and pasted data carries all of them.
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator: true
        default: scalar.properties.isWhitespace
        }
    }

    /// `text` without blanks (and the `also` scalars) at either end.
    static func trim(_ text: String, also extra: Set<Unicode.Scalar> = []) -> String {
        let scalars = text.unicodeScalars
        let drop = { (scalar: Unicode.Scalar) in isBlank(scalar) || extra.contains(scalar) }
        guard let first = scalars.firstIndex(where: { !drop($0) }),
            let last = scalars.lastIndex(where: { !drop($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// `text` with only the scalars `keep` accepts.
    static func keeping(_ text: String, _ keep: (Unicode.Scalar) -> Bool) -> String {
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: text.unicodeScalars.filter(keep))
        return String(kept)
    }

    /// Letters of any script and the combining marks that belong to them (Thai vowels and tone marks, Vietnamese
    /// diacritics left decomposed): what a name is made of.
    static func isLetterOrMark(_ scalar: Unicode.Scalar) -> Bool {
        // Tatweel only stretches Arabic-script words on the line; "محـمد" is the name "محمد".
        guard scalar != "\u{0640}" else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    /// The value 0–9 of a decimal digit of any script: Persian `۰۹۱۲`, Thai `๐๘๑`, full-width `０１`, ASCII.
    static func decimalDigit(_ scalar: Unicode.Scalar) -> Int? {
        guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue else { return nil }
        return Int(value)
    }

    /// Canonical composition (PROTOCOLS §6.1's recommendation): `ễ` typed as one scalar and as `e` + two combining
    /// marks is the same name, and must give the same hash.
    static func nfc(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping
    }
}
