/// City, region, postal code and country as the platforms take them (PROTOCOLS §6.1, §6.3): compacted and hashed for
/// Meta; for Google only the postal code and the country, in clear. Names are not mapped to codes (`California`
/// stays `california`, not `ca`).
enum PlaceNormalizer {
    /// Meta's city and region: lowercase, no spaces or punctuation; letters of any script and digits kept, so a
    /// code such as `CA` stays two letters and `MY-14` stays `my14`.
    static func compact(_ raw: String) -> FieldOutcome {
        .text(
            TextFolding.nfc(
                TextFolding.keeping(raw.lowercased()) {
                    TextFolding.isLetterOrMark($0) || TextFolding.decimalDigit($0) != nil
                }))
    }

    /// No spaces anywhere (`SW1A 1AA` → `SW1A1AA`); lower-cased when hashed. `country` is the record's country
    /// or the channel default.
    static func postalCode(_ raw: String, sending: AudienceRules.Sending, country: String?) -> FieldOutcome {
        var code = TextFolding.keeping(raw) { !TextFolding.isBlank($0) }
        guard sending == .hashed else { return .text(code) }
        code = code.lowercased()
        // Meta matches US ZIP codes on their first five digits, so ZIP+4 (`94103-1234`) would never match.
        let zip = code.unicodeScalars.prefix(5)
        if country?.uppercased() == "US", zip.count == 5, zip.allSatisfy({ ("0"..."9").contains($0) }) {
            code = String(String.UnicodeScalarView(zip))
        }
        return .text(code)
    }

    /// ISO 3166-1 alpha-2: two ASCII letters, lowercase to hash (Meta), upper-case in clear (Google's
    /// `regionCode`). Only the shape is checked, not that the code is assigned.
    static func country(_ raw: String, sending: AudienceRules.Sending) -> FieldOutcome {
        let code = TextFolding.trim(raw)
        guard !code.isEmpty else { return .empty }
        guard isAlpha2(code) else { return .problem(.countryNotAlpha2) }
        return .value(sending == .plain ? code.uppercased() : code.lowercased())
    }

    static func isAlpha2(_ code: String) -> Bool {
        code.utf8.count == 2 && code.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }
}
