/// One person's contact fields as the plugin receives them, raw: whatever casing, spacing and punctuation the sender
/// used, or already a SHA-256 hex. It is never sent as is; `AudienceNormalizer` turns it into a `NormalizedIdentity`.
struct AudienceIdentity: Sendable, Equatable {
    var email: String?
    var phone: String?
    var firstName: String?
    var lastName: String?
    var city: String?
    /// State or province: a code (`CA`) or a name (`Selangor`).
    var region: String?
    var postalCode: String?
    /// ISO 3166-1 alpha-2 (`MY`). Also the country a local phone number is read in.
    var country: String?
    /// The sender's own id for the person; the only field sent unhashed to every platform.
    var externalID: String?

    init(
        email: String? = nil, phone: String? = nil, firstName: String? = nil, lastName: String? = nil,
        city: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil,
        externalID: String? = nil
    ) {
        self.email = email
        self.phone = phone
        self.firstName = firstName
        self.lastName = lastName
        self.city = city
        self.region = region
        self.postalCode = postalCode
        self.country = country
        self.externalID = externalID
    }
}
