/// One person's fields as they go into an upload: per field the 64-char lower-case SHA-256 hex, or the clear value
/// for the fields a platform takes unhashed; nil for what is not sent. Never holds the raw value of a hashed field.
/// It is not a request body: the request types pick the fields their platform's schema lists.
struct NormalizedIdentity: Sendable, Equatable {
    var email: String?
    var phone: String?
    var firstName: String?
    var lastName: String?
    /// Hashed (Meta); nil for Google, whose address has no city.
    var city: String?
    /// Hashed (Meta); nil for Google, whose `regionCode` is the country.
    var region: String?
    /// Hashed (Meta) or in clear (Google).
    var postalCode: String?
    /// Hashed lowercase (Meta) or in clear upper-case (Google).
    var country: String?
    /// In clear for every platform.
    var externalID: String?
    /// The fields that were given but dropped, in field order; their values appear nowhere.
    var problems: [AudienceProblem] = []

    /// Who this is to the membership ledger: the SHA-256 hex of the email hash, the phone hash and the external
    /// id, or nil when none of them is there (names and places alone do not identify a member). Stable across runs,
    /// but only within one provider, since Meta and Google normalise email and phone differently.
    var identityHash: String? {
        guard email != nil || phone != nil || externalID != nil else { return nil }
        // The hashes are hex, so no separator can occur in them, and the external id goes last: the canonical
        // string is unambiguous whatever that id contains.
        let canonical = "herald-audience-v1\ne=\(email ?? "")\np=\(phone ?? "")\nx=\(externalID ?? "")"
        return AudienceHash.sha256Hex(canonical)
    }
}
