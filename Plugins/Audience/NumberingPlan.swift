/// How a country's local phone numbers become international ones: its calling code, the trunk prefix dialled in
/// front of national numbers at home, and — where the plan is closed — the fixed length of a national number. Only
/// what turning a local number into E.164 needs; not a validator of number ranges (that is libphonenumber's job).
struct NumberingPlan: Sendable, Equatable {
    /// Digits, no `+` (`60`).
    var callingCode: String
    /// Dropped from the front of a local number, first match wins. Empty where the leading 0 belongs to the number
    /// (Italy: `06 1234 5678` is `+39 06 1234 5678`) or there is no trunk prefix to drop (NANP).
    var trunkPrefixes: [String]
    /// Set for closed plans whose national numbers all have one length (NANP, Russia/Kazakhstan): only with it can
    /// `8 912…` (trunk) and `7 912…` (country code already there) be told apart from national numbers that begin
    /// with those digits.
    var nationalLength: Int?

    /// Most of the world: trunk prefix 0, or no trunk prefix and no national number that starts with 0.
    static func trunkZero(_ code: String) -> NumberingPlan {
        NumberingPlan(callingCode: code, trunkPrefixes: ["0"], nationalLength: nil)
    }

    /// The leading 0 is part of the number and stays after the country code.
    static func keepsZero(_ code: String) -> NumberingPlan {
        NumberingPlan(callingCode: code, trunkPrefixes: [], nationalLength: nil)
    }

    /// E.164 digits (no `+`) of `digits`, a number dialled without an international prefix.
    func international(_ digits: String) -> String {
        guard let length = nationalLength else {
            let trunk = trunkPrefixes.first { digits.hasPrefix($0) } ?? ""
            return callingCode + digits.dropFirst(trunk.count)
        }
        if digits.count == callingCode.count + length, digits.hasPrefix(callingCode) {
            return digits
        }
        if let trunk = trunkPrefixes.first(where: { digits.count == $0.count + length && digits.hasPrefix($0) }) {
            return callingCode + digits.dropFirst(trunk.count)
        }
        return callingCode + digits
    }
}
