/// Email addresses as each platform hashes its own copy (PROTOCOLS §6.1, §6.3). It checks only that there is
/// something on both sides of an `@`; it does not validate addresses beyond that.
enum EmailNormalizer {
    /// Gmail ignores dots and `+tags` in the local part; Google canonicalises its own addresses the same way.
    static let gmailDomains: Set<String> = ["gmail.com", "googlemail.com"]

    static func normalize(_ raw: String, rule: AudienceRules.Email) -> FieldOutcome {
        let text: String
        switch rule {
        case .trimLowercase:
            // Meta's SDKs also trim dots at the ends (`ana@example.com.`).
            text = TextFolding.trim(raw, also: ["."]).lowercased()
        case .google:
            text = TextFolding.keeping(raw) { !TextFolding.isBlank($0) }.lowercased()
        }
        guard !text.isEmpty else { return .empty }
        guard let at = text.lastIndex(of: "@") else { return .problem(.emailMalformed) }
        var local = String(text[..<at])
        let domain = String(text[text.index(after: at)...])
        if rule == .google, gmailDomains.contains(domain) {
            local = String(local.prefix { $0 != "+" }.filter { $0 != "." })
        }
        guard !local.isEmpty, !domain.isEmpty else { return .problem(.emailMalformed) }
        return .value(local + "@" + domain)
    }
}
