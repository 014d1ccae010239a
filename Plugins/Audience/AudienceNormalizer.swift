/// Turns the raw fields of a person into what one platform matches on (`NormalizedIdentity`), by that platform's
/// table (`AudienceRules`): normalise, then hash the UTF-8 bytes; a value that already arrives as a SHA-256 hex is
/// passed on lower-cased, never hashed twice. Values it cannot normalise are dropped and reported, without the
/// value. Pure and synchronous; it does no I/O and knows nothing of batches or requests.
struct AudienceNormalizer: Sendable {
    let provider: AudienceProvider
    let rules: AudienceRules
    /// Where local phone numbers are read when a record has no country (`default_country`), upper-cased.
    let defaultCountry: String?

    init(provider: AudienceProvider, defaultCountry: String?) {
        self.provider = provider
        self.rules = AudienceRules.of(provider)
        let trimmed = defaultCountry.map { TextFolding.trim($0).uppercased() } ?? ""
        self.defaultCountry = trimmed.isEmpty ? nil : trimmed
    }

    func normalize(_ identity: AudienceIdentity) -> NormalizedIdentity {
        var problems: [AudienceProblem] = []
        // A record's own country wins even when it is unusable (a name, a hash): reading the number in the
        // default country instead could give a stranger's number.
        let country = Self.present(identity.country) ?? defaultCountry
        func send(
            _ raw: String?, _ field: AudienceField, _ sending: AudienceRules.Sending,
            _ normalize: (String) -> FieldOutcome
        ) -> String? {
            Self.send(raw, field, sending, problems: &problems, normalize)
        }
        var normalized = NormalizedIdentity(
            email: send(identity.email, .email, .hashed) { EmailNormalizer.normalize($0, rule: rules.email) },
            phone: send(identity.phone, .phone, .hashed) {
                PhoneNormalizer.normalize($0, country: country, format: rules.phone)
            },
            firstName: send(identity.firstName, .firstName, .hashed) {
                NameNormalizer.normalize($0, rule: rules.names)
            },
            lastName: send(identity.lastName, .lastName, .hashed) { NameNormalizer.normalize($0, rule: rules.names) },
            city: send(identity.city, .city, rules.city, PlaceNormalizer.compact),
            region: send(identity.region, .region, rules.region, PlaceNormalizer.compact),
            postalCode: send(identity.postalCode, .postalCode, rules.postalCode) {
                PlaceNormalizer.postalCode($0, sending: rules.postalCode, country: country)
            },
            country: send(identity.country, .country, rules.country) {
                PlaceNormalizer.country($0, sending: rules.country)
            },
            // The sender's own id: matched byte for byte, so only the blanks around it go.
            externalID: Self.present(identity.externalID))
        normalized.problems = problems
        return normalized
    }

    /// What goes out for one field: nothing when the platform takes no such field or the value normalises to
    /// nothing; an incoming SHA-256 hex lower-cased; otherwise the normalised value, hashed where the platform
    /// matches on hashes. A value that cannot be normalised adds a problem instead.
    private static func send(
        _ raw: String?, _ field: AudienceField, _ sending: AudienceRules.Sending, problems: inout [AudienceProblem],
        _ normalize: (String) -> FieldOutcome
    ) -> String? {
        guard let raw, sending != .omitted else { return nil }
        let trimmed = TextFolding.trim(raw)
        if sending == .hashed, AudienceHash.isSHA256(trimmed) { return trimmed.lowercased() }
        switch normalize(raw) {
        case .value(let text) where !text.isEmpty:
            return sending == .hashed ? AudienceHash.sha256Hex(text) : text
        case .value, .empty:
            return nil
        case .problem(let reason):
            problems.append(AudienceProblem(field: field, reason: reason))
            return nil
        }
    }

    /// `raw` without surrounding blanks, nil when nothing is left.
    private static func present(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let trimmed = TextFolding.trim(raw)
        return trimmed.isEmpty ? nil : trimmed
    }
}
