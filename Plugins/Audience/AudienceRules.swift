/// How each platform wants each field (PROTOCOLS §6.1, §6.3, §6.5): one table per provider, read by
/// `AudienceNormalizer`. Only the differences between platforms live here; the normalisers implement the rules.
///
/// | field       | Meta (and generic)                          | Google                                          |
/// |-------------|---------------------------------------------|-------------------------------------------------|
/// | email       | trim, lowercase                             | no whitespace, lowercase, gmail dots/+tag gone  |
/// | phone       | country code + number, digits only, hashed  | E.164 with `+`, hashed                          |
/// | names       | lowercase letters only, NFC, hashed         | lowercase, titles dropped, no punctuation       |
/// | city/region | lowercase, no spaces/punctuation, hashed    | not sent                                        |
/// | postal code | lowercase, no spaces, hashed                | no spaces, unhashed                             |
/// | country     | alpha-2 lowercase, hashed                   | alpha-2 upper-case, unhashed                    |
/// | external id | unhashed                                    | unhashed                                        |
struct AudienceRules: Sendable, Equatable {
    enum Email: Sendable { case trimLowercase, google }
    enum Phone: Sendable { case digits, e164 }
    enum Names: Sendable { case lettersOnly, withoutTitles }
    /// Whether a field is sent, and hashed: platforms hash what they match on, lower-cased, except the few
    /// fields they take in clear.
    enum Sending: Sendable { case hashed, plain, omitted }

    var email: Email
    var phone: Phone
    var names: Names
    var city: Sending
    var region: Sending
    var postalCode: Sending
    var country: Sending

    static let meta = AudienceRules(
        email: .trimLowercase, phone: .digits, names: .lettersOnly,
        city: .hashed, region: .hashed, postalCode: .hashed, country: .hashed)

    /// Google's address carries the country as `regionCode` and has no city or state field.
    static let google = AudienceRules(
        email: .google, phone: .e164, names: .withoutTitles,
        city: .omitted, region: .omitted, postalCode: .plain, country: .plain)

    static func of(_ provider: AudienceProvider) -> AudienceRules {
        switch provider {
        case .meta, .generic: .meta
        case .google: .google
        }
    }
}
