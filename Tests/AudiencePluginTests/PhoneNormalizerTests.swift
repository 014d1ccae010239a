import XCTest

@testable import AudiencePlugin

/// The E.164 digits local numbers become, country by country, in clear (the hashing is covered by
/// `NormalizerTests`); expected values are the numbers as the countries' own international format writes them.
final class PhoneNormalizerTests: XCTestCase {
    func testLocalNumbersBecomeE164() {
        let cases: [(country: String, local: String, e164: String)] = [
            ("GB", "07911 123456", "447911123456"),
            ("DE", "030 1234567", "49301234567"),
            ("FR", "06 12 34 56 78", "33612345678"),
            ("ES", "612 34 56 78", "34612345678"),  // no trunk prefix
            ("NL", "06-12345678", "31612345678"),
            ("AU", "0412 345 678", "61412345678"),
            ("NZ", "021 123 4567", "64211234567"),
            ("JP", "090-1234-5678", "819012345678"),
            ("KR", "010-1234-5678", "821012345678"),
            ("CN", "138 0013 8000", "8613800138000"),
            ("HK", "5123 4567", "85251234567"),
            ("SG", "8123 4567", "6581234567"),
            ("IN", "098765 43210", "919876543210"),
            ("ID", "0812-3456-7890", "6281234567890"),
            ("PH", "0917 123 4567", "639171234567"),
            ("PK", "0300 1234567", "923001234567"),
            ("BD", "01712-345678", "8801712345678"),
            ("TR", "0532 123 45 67", "905321234567"),
            ("SA", "050 123 4567", "966501234567"),
            ("AE", "050 123 4567", "971501234567"),
            ("EG", "010 1234 5678", "201012345678"),
            ("NG", "0803 123 4567", "2348031234567"),
            ("ZA", "082 123 4567", "27821234567"),
            ("MX", "55 1234 5678", "525512345678"),
            ("IT", "333 123 4567", "393331234567"),  // mobiles have no 0 to keep
            ("HU", "06 20 123 4567", "36201234567"),
            ("BY", "8 029 123-45-67", "375291234567"),
            ("LT", "8 612 34567", "37061234567"),
            ("RU", "79123456789", "79123456789"),  // country code already there, no +
            ("RU", "912 345-67-89", "79123456789"),
            ("KZ", "7011234567", "77011234567"),  // a national number that itself starts with 7
            ("CA", "416 555 0199", "14165550199"),
            ("PR", "1 787 555 0199", "17875550199"),
        ]
        for item in cases {
            XCTAssertEqual(
                PhoneNormalizer.e164Digits(item.local, country: item.country), .value(item.e164),
                "\(item.country) \(item.local)")
        }
    }

    func testDigitsOfOtherScriptsAndFullWidthPlus() {
        XCTAssertEqual(PhoneNormalizer.e164Digits("๐๘๑-๒๓๔-๕๖๗๘", country: "TH"), .value("66812345678"))
        XCTAssertEqual(PhoneNormalizer.e164Digits("＋８１ ９０ １２３４ ５６７８", country: nil), .value("819012345678"))
    }

    func testNANPNumberMissingADigitIsNotReadAsAnother() {
        // A leading 1 is the country code, so ten digits starting with 1 lack one digit.
        XCTAssertEqual(PhoneNormalizer.e164Digits("1 212 555 123", country: "US"), .problem(.phoneNotPossible))
        XCTAssertEqual(PhoneNormalizer.e164Digits("+1 212 555 123", country: nil), .problem(.phoneTooShort))
    }

    func testUnknownCountryCodesAndBlankNumbers() {
        XCTAssertEqual(PhoneNormalizer.e164Digits("0123 456789", country: "ZZ"), .problem(.phoneCountryUnsupported))
        XCTAssertEqual(PhoneNormalizer.e164Digits("+60 12 345 6789", country: "ZZ"), .value("60123456789"))
        XCTAssertEqual(PhoneNormalizer.e164Digits(" - ", country: "MY"), .empty)
    }

    func testTheCallingCodeTableCoversTheMarketsHeraldServes() {
        let expected: [String: String] = [
            "MY": "60", "VN": "84", "TH": "66", "IR": "98", "US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33",
            "IT": "39", "ES": "34", "NL": "31", "BE": "32", "SE": "46", "NO": "47", "DK": "45", "FI": "358", "PL": "48",
            "RU": "7", "KZ": "7", "IN": "91", "ID": "62", "PH": "63", "SG": "65", "JP": "81", "KR": "82", "CN": "86",
            "HK": "852", "TW": "886", "AU": "61", "NZ": "64", "BR": "55", "MX": "52", "AR": "54", "ZA": "27",
            "NG": "234", "EG": "20", "TR": "90", "SA": "966", "AE": "971", "PK": "92", "BD": "880", "CH": "41",
            "AT": "43", "IE": "353", "PT": "351", "GR": "30", "CZ": "420", "HU": "36", "RO": "40", "UA": "380",
            "IL": "972", "KE": "254", "MA": "212", "CL": "56", "CO": "57", "PE": "51", "LK": "94", "NP": "977",
            "KH": "855", "MM": "95", "LA": "856", "BN": "673", "MO": "853", "QA": "974", "KW": "965",
        ]
        for (country, code) in expected {
            XCTAssertEqual(CountryCallingCodes.plan(for: country.lowercased())?.callingCode, code, country)
        }
        XCTAssertGreaterThan(CountryCallingCodes.trunkZeroCodes.count + CountryCallingCodes.specialPlans.count, 240)
        XCTAssertTrue(
            Set(CountryCallingCodes.trunkZeroCodes.keys).isDisjoint(with: CountryCallingCodes.specialPlans.keys))
    }
}
