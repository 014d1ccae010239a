/// Phone numbers into E.164 — digits only for Meta, with `+` for Google (PROTOCOLS §6.1, §6.3). Symbols, letters
/// and spaces go; a `+` or `00` before the first digit marks an international number, anything else is local and
/// gets the country's calling code (`CountryCallingCodes`). It checks lengths, not whether a number exists.
enum PhoneNormalizer {
    /// E.164's limit, country code included.
    static let maxDigits = 15
    /// The shortest numbers in service (Niue: +683 and four digits).
    static let minDigits = 7

    /// `country` is the ISO alpha-2 code local numbers are read in (the record's, else the channel default).
    static func normalize(_ raw: String, country: String?, format: AudienceRules.Phone) -> FieldOutcome {
        switch e164Digits(raw, country: country) {
        case .value(let digits): .value(format == .e164 ? "+" + digits : digits)
        case let other: other
        }
    }

    /// The E.164 number without its `+`.
    static func e164Digits(_ raw: String, country: String?) -> FieldOutcome {
        var digits = ""
        var plus = false
        // `+44 (0)20 7946 0958`: the bracketed trunk 0 is dialled at home only; in a local number it would be
        // dropped as the trunk prefix anyway.
        for scalar in raw.replacing("(0)", with: "").unicodeScalars {
            if let digit = TextFolding.decimalDigit(scalar) {
                digits.append(Character(String(digit)))
            } else if digits.isEmpty, scalar == "+" || scalar == "\u{FF0B}" {
                plus = true
            }
        }
        guard !digits.isEmpty else { return .empty }
        let number: String
        if plus || digits.hasPrefix("00") {
            // No calling code starts with 0, so every leading zero is prefix (`+00 60…` and `0060…` alike).
            number = String(digits.drop { $0 == "0" })
        } else {
            guard let country else { return .problem(.phoneCountryUnknown) }
            guard let plan = CountryCallingCodes.plan(for: country) else {
                return .problem(.phoneCountryUnsupported)
            }
            number = plan.international(digits)
        }
        if let reason = lengthProblem(number) { return .problem(reason) }
        return .value(number)
    }

    /// Zones 1 (NANP) and 7 (Russia, Kazakhstan) are closed plans of exactly 1 + 10 digits, which catches the
    /// common local number typed without its area code; NANP area codes never start with 0 or 1.
    static func lengthProblem(_ number: String) -> AudienceProblem.Reason? {
        let digits = Array(number.utf8)
        if digits.count < minDigits { return .phoneTooShort }
        if digits.count > maxDigits { return .phoneTooLong }
        switch digits[0] {
        case UInt8(ascii: "1"), UInt8(ascii: "7"):
            if digits.count < 11 { return .phoneTooShort }
            if digits.count > 11 { return .phoneTooLong }
            if digits[0] == UInt8(ascii: "1"), digits[1] < UInt8(ascii: "2") { return .phoneNotPossible }
            return nil
        default:
            return nil
        }
    }
}
