/// A field of an identity that could not be normalised and was therefore left out of the upload. It names the field
/// and a fixed reason, never the value: the value is personal data and problems end up in logs and delivery rows.
struct AudienceProblem: Sendable, Equatable {
    var field: AudienceField
    var reason: Reason

    /// Why a value was dropped. The raw value doubles as a stable code (logs, metric labels, tests).
    enum Reason: String, Sendable, Equatable, CaseIterable {
        case emailMalformed = "email_malformed"
        case phoneCountryUnknown = "phone_country_unknown"
        case phoneCountryUnsupported = "phone_country_unsupported"
        case phoneTooShort = "phone_too_short"
        case phoneTooLong = "phone_too_long"
        case phoneNotPossible = "phone_not_possible"
        case countryNotAlpha2 = "country_not_alpha2"

        /// What is wrong and what a good value looks like; fixed text, so no input can leak into it.
        var message: String {
            switch self {
            case .emailMalformed:
                "not an email address: it needs text on both sides of an @ (ana@example.com)"
            case .phoneCountryUnknown:
                "a local number without a +country prefix needs the record's country or the channel's "
                    + "default_country (an ISO 3166-1 alpha-2 code such as MY)"
            case .phoneCountryUnsupported:
                "a local number in a country whose calling code is not known; send it as +<country code><number>"
            case .phoneTooShort:
                "fewer digits than a phone number has (at least 7 with the country code; 11 for +1 and +7)"
            case .phoneTooLong:
                "more digits than a phone number has (E.164 allows 15 with the country code; 11 for +1 and +7)"
            case .phoneNotPossible:
                "not a possible +1 number: after the 1 come ten digits, the area code starting with 2-9"
            case .countryNotAlpha2:
                "not an ISO 3166-1 alpha-2 country code: two letters such as MY or US"
            }
        }
    }
}

/// The fields of an identity, named as the configuration and the problem reports name them.
enum AudienceField: String, Sendable, Equatable, CaseIterable {
    case email
    case phone
    case firstName = "first_name"
    case lastName = "last_name"
    case city
    case region
    case postalCode = "postal_code"
    case country
    case externalID = "external_id"
}
