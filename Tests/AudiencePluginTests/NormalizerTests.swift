import XCTest

@testable import AudiencePlugin

/// Every expected hash here was computed outside Swift, with Python's hashlib over the UTF-8 bytes of the
/// normalised value (`python3 -c "import hashlib;print(hashlib.sha256('…'.encode()).hexdigest())"`), so the tests
/// check the normaliser and the hashing against an independent implementation, not against themselves.
final class NormalizerTests: XCTestCase {
    private let meta = AudienceNormalizer(provider: .meta, defaultCountry: nil)
    private let google = AudienceNormalizer(provider: .google, defaultCountry: nil)

    // MARK: PROTOCOLS §6.1 / §6.3 fixtures

    func testMetaEmailIsTrimmedAndLowerCased() {
        let result = meta.normalize(AudienceIdentity(email: " Aminah.Binti@Example.COM "))
        // aminah.binti@example.com
        XCTAssertEqual(result.email, "16afb3ff18d530b4961b6ea492b213a2e2567a7bb310d77b6b09e3f6345f1f1d")
        XCTAssertEqual(result.problems, [])
    }

    func testMetaLocalPhonesOfTheFourMarketsGetTheirCallingCode() {
        let cases: [(phone: String, country: String, hash: String)] = [
            // 60123456789
            ("012-345 6789", "MY", "d78a684ac08e9e03856ded399b6f702c99c30d79f2afcf1850b3a3f8258b5cf4"),
            // 84912345678
            ("0912 345 678", "VN", "25cc2f7574420a2d46c9f2d6cf94cdbb242ef7d479afe92ed6e8eb33a7493093"),
            // 66812345678
            ("081-234-5678", "TH", "9b82e4d000c636040b7b53ec8e3c3b90bdf0d4a5874073ce91f61420c04f05ed"),
            // 989123456789
            ("0912 345 6789", "IR", "b4b0a6f04982077f93367d53e95f6e6300cc0edd1095b7fff8f5f457feba33c3"),
        ]
        for item in cases {
            let result = meta.normalize(AudienceIdentity(phone: item.phone, country: item.country))
            XCTAssertEqual(result.phone, item.hash, item.country)
        }
    }

    func testMetaNameAndCountry() {
        let result = meta.normalize(AudienceIdentity(firstName: "Aminah", country: "MY"))
        // aminah
        XCTAssertEqual(result.firstName, "738219a674ea5559d6b05d212da46850462445fa8460f8a4227007a1ac1c0dca")
        // my
        XCTAssertEqual(result.country, "038468518ad8122e13112743f890c7ba96ac5665b71de548eceb23e9ef237805")
    }

    func testGoogleGmailLosesDotsAndPlusTag() {
        let result = google.normalize(AudienceIdentity(email: "cloudy.sanfrancisco+shopping@gmail.com"))
        // cloudysanfrancisco@gmail.com
        XCTAssertEqual(result.email, "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4")
    }

    func testGooglePhoneIsE164WithPlus() {
        let result = google.normalize(AudienceIdentity(phone: "012-345 6789", country: "MY"))
        // +60123456789
        XCTAssertEqual(result.phone, "88030e91922da507d9b1ffa68d9896f94313acc33ec5b15c72eca420a6fe775b")
    }

    // MARK: Email

    func testMetaKeepsGmailDotsAndPlusTag() {
        let result = meta.normalize(AudienceIdentity(email: "Cloudy.SanFrancisco+Shopping@Gmail.com"))
        // cloudy.sanfrancisco+shopping@gmail.com
        XCTAssertEqual(result.email, "8dd4a9bf850242873c14976125edabc35096192b784626a5641a7d2de56e3c1e")
    }

    func testGoogleCanonicalisesGooglemailToo() {
        let result = google.normalize(AudienceIdentity(email: " J.Doe+News@GoogleMail.com"))
        // jdoe@googlemail.com
        XCTAssertEqual(result.email, "e9676b23c1c188a4f2eed3c1cb325435d739786b947acf91fc1812a01570292f")
    }

    func testGoogleKeepsDotsAndPlusElsewhereButDropsInnerWhitespace() {
        let result = google.normalize(AudienceIdentity(email: "First.Last+tag @ example.com\t"))
        // first.last+tag@example.com
        XCTAssertEqual(result.email, "00a8ed6a6cfc7ef2da7516e9a728bf88f3d1dbdcd7c75dd6ef608068ff6d0f69")
    }

    func testMetaTrimsTheTrailingDotAndAByteOrderMark() {
        let result = meta.normalize(AudienceIdentity(email: "\u{FEFF}Ana@Example.com."))
        // ana@example.com
        XCTAssertEqual(result.email, "8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11")
    }

    func testAnEmailWithoutAtSignIsAProblem() {
        for normalizer in [meta, google] {
            let result = normalizer.normalize(AudienceIdentity(email: "aminah.example.com"))
            XCTAssertNil(result.email)
            XCTAssertEqual(result.problems, [AudienceProblem(field: .email, reason: .emailMalformed)])
        }
        // Nothing of a Gmail local part survives canonicalisation.
        XCTAssertEqual(
            google.normalize(AudienceIdentity(email: "+promo@gmail.com")).problems.map(\.reason), [.emailMalformed])
    }

    // MARK: Names in other scripts

    func testVietnameseNamesKeepDiacriticsAndAreComposed() {
        // Decomposed input (e + circumflex + tilde), as some keyboards and macOS file names produce it.
        let identity = AudienceIdentity(firstName: "THỊ Ánh", lastName: "Nguye\u{0302}\u{0303}n")
        let metaResult = meta.normalize(identity)
        // nguyễn
        XCTAssertEqual(metaResult.lastName, "828b95a54a436bf4427d64fd9afe64ecf25d6c78ffabc3b64026d0a59ae8ab75")
        // thịánh (Meta: no spaces)
        XCTAssertEqual(metaResult.firstName, "662a633aae0ff2c0e8dc68f7c1571c539e5e45913808ecf4834d4237495dbbd4")
        // thị ánh (Google: trimmed, the space between the words kept)
        XCTAssertEqual(
            google.normalize(identity).firstName, "6346f442e5bba67a6f44e2062d5476bf270c40e15b6b85ff8553d0449976cb1a")
    }

    func testThaiNamesKeepTheirCombiningVowelsAndToneMarks() {
        let result = meta.normalize(AudienceIdentity(firstName: " สมศักดิ์ ", lastName: "สมชาย."))
        // สมศักดิ์ (U+0E31, U+0E34, U+0E4C are combining marks)
        XCTAssertEqual(result.firstName, "7d0fe88f5824239ada706bb11efe303e23c9c2f5f926c2d4ca45187ffecc0655")
        // สมชาย
        XCTAssertEqual(result.lastName, "70a003b381e338190fc3a79a18a6247a446a9a1b0456ea027a5dc5408a901d91")
    }

    func testPersianNamesLoseZeroWidthNonJoinerAndTatweel() {
        let result = meta.normalize(AudienceIdentity(firstName: "محـمد", lastName: "محمد\u{200C}رضا"))
        // محمد
        XCTAssertEqual(result.firstName, "0cb4c9b21062de4d2c0edd48efc9fa86b97fdc8a6a4e7fa7092544f84e121f61")
        // محمدرضا
        XCTAssertEqual(result.lastName, "b26bc0e892669dcb937b9dcfbbdff896a2791dcfad8bb01128e5c310a166314c")
    }

    func testGoogleDropsTitlesAndSuffixesButNotTheWholeName() {
        let result = google.normalize(AudienceIdentity(firstName: "Mrs. Aminah", lastName: "Smith, Jr."))
        // aminah
        XCTAssertEqual(result.firstName, "738219a674ea5559d6b05d212da46850462445fa8460f8a4227007a1ac1c0dca")
        // smith
        XCTAssertEqual(result.lastName, "6627835f988e2c5e50533d491163072d3f4f41f5c8b04630150debb3722ca2dd")
        let kept = google.normalize(AudienceIdentity(firstName: "Md Rahim", lastName: "Ii"))
        // md rahim: Md (Mohammad) in front is a name, not the suffix MD
        XCTAssertEqual(kept.firstName, "01293884ec8c91f92aa965a20d9b2b3b91ea2e75a29aca95c7cf227c2017e089")
        // ii: a surname alone is never dropped
        XCTAssertEqual(kept.lastName, "5d7f49449ab22deac22d767b89549c554134c8e47de4d38e748049875c83503b")
    }

    func testMetaKeepsTitlesAndDropsSpaces() {
        let result = meta.normalize(AudienceIdentity(firstName: "Mary-Ann"))
        // maryann
        XCTAssertEqual(result.firstName, "16b3f07f0ec2f9dd127b71dc2e6c791b7d93116a1c3bc99d057eaa7a8a077e73")
        // mary ann
        XCTAssertEqual(
            google.normalize(AudienceIdentity(firstName: "  Mary   Ann ")).firstName,
            "343b97011010c3549fe7fcd6c226ed9431ea37b0b77ed78f6300a0098925faf1")
    }

    // MARK: Phones

    func testInternationalPrefixesAndSpacingGiveTheSameNumber() {
        let hash = "d78a684ac08e9e03856ded399b6f702c99c30d79f2afcf1850b3a3f8258b5cf4"  // 60123456789
        for phone in ["+60 12-345 6789", "+60123456789", "0060 12 345 6789", "(+60) 12.345.6789", "+0060123456789"] {
            // The record's country does not matter once the number is international.
            XCTAssertEqual(meta.normalize(AudienceIdentity(phone: phone, country: "US")).phone, hash, phone)
        }
    }

    func testLocalNumberUsesTheDefaultCountry() {
        let withDefault = AudienceNormalizer(provider: .meta, defaultCountry: "my")
        // 60123456789
        XCTAssertEqual(
            withDefault.normalize(AudienceIdentity(phone: "012-345 6789")).phone,
            "d78a684ac08e9e03856ded399b6f702c99c30d79f2afcf1850b3a3f8258b5cf4")
        // The record's own country wins over the default: 66812345678.
        XCTAssertEqual(
            withDefault.normalize(AudienceIdentity(phone: "081-234-5678", country: "TH")).phone,
            "9b82e4d000c636040b7b53ec8e3c3b90bdf0d4a5874073ce91f61420c04f05ed")
    }

    func testPersianDigitsAreDigits() {
        let result = meta.normalize(AudienceIdentity(phone: "۰۹۱۲ ۳۴۵ ۶۷۸۹", country: "IR"))
        // 989123456789
        XCTAssertEqual(result.phone, "b4b0a6f04982077f93367d53e95f6e6300cc0edd1095b7fff8f5f457feba33c3")
    }

    func testNANPAndBracketedTrunkZero() {
        let us = AudienceNormalizer(provider: .meta, defaultCountry: "US")
        // 18005550100, with or without the leading 1
        for phone in ["(800) 555-0100", "1-800-555-0100"] {
            XCTAssertEqual(
                us.normalize(AudienceIdentity(phone: phone)).phone,
                "92cfdc5fbcd4a20fbe5d3857af6c1aba31762105bba7f21a17155e920653046c", phone)
        }
        // +18005550100, PROTOCOLS §6.3's own example
        XCTAssertEqual(
            AudienceNormalizer(provider: .google, defaultCountry: "US").normalize(
                AudienceIdentity(phone: "(800)555-0100")
            )
            .phone,
            "fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30")
        // 442079460958: the (0) is dialled only at home
        XCTAssertEqual(
            meta.normalize(AudienceIdentity(phone: "+44 (0)20 7946 0958")).phone,
            "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823")
    }

    func testItalyKeepsItsZeroAndRussiaAndKazakhstanDropTrunkEight() {
        // 390612345678
        XCTAssertEqual(
            meta.normalize(AudienceIdentity(phone: "06 1234 5678", country: "IT")).phone,
            "472e1123cd4e2f66f1df06bd488dc6135dab8f80cbfcc4af144d042c005f0fb2")
        // 79123456789
        XCTAssertEqual(
            meta.normalize(AudienceIdentity(phone: "8 (912) 345-67-89", country: "RU")).phone,
            "dbae582ee1f37b15623829ece40b66a8eb5162337ab0a8b7cf1b86cb300391bc")
        // 77011234567
        XCTAssertEqual(
            meta.normalize(AudienceIdentity(phone: "8 701 123 4567", country: "KZ")).phone,
            "7c1dc35860507e0fee0dee49def2433f25534035de81deb1bbc6f4c006e4c90a")
    }

    func testAPhoneWithoutAnyCountryIsDroppedAndReportedWithoutItsValue() {
        let raw = "012-345 6789"
        let result = meta.normalize(AudienceIdentity(email: "ana@example.com", phone: raw))
        XCTAssertNil(result.phone)
        XCTAssertNotNil(result.email)
        XCTAssertEqual(result.problems, [AudienceProblem(field: .phone, reason: .phoneCountryUnknown)])
        for problem in result.problems {
            let texts = [problem.reason.message, problem.reason.rawValue, String(describing: problem)]
            for text in texts {
                XCTAssertFalse(text.contains(raw), text)
                XCTAssertFalse(text.contains("3456789"), text)
            }
        }
    }

    func testPhonesOfImpossibleLengthAreProblems() {
        let cases: [(String, AudienceProblem.Reason)] = [
            ("+60 12", .phoneTooShort),
            ("+1234 5678 9012 3456", .phoneTooLong),  // 16 digits
            ("555-0100", .phoneTooShort),  // a US number without its area code
            ("+1 123 555 0100", .phoneNotPossible),  // no NANP area code starts with 1
        ]
        let us = AudienceNormalizer(provider: .google, defaultCountry: "US")
        for (phone, reason) in cases {
            let result = us.normalize(AudienceIdentity(phone: phone))
            XCTAssertNil(result.phone, phone)
            XCTAssertEqual(result.problems, [AudienceProblem(field: .phone, reason: reason)], phone)
        }
    }

    // MARK: Places

    func testMetaHashesCompactedPlaces() {
        let result = meta.normalize(
            AudienceIdentity(city: "Kuala Lumpur", region: "Selangor", postalCode: " 50450 ", country: " my "))
        // kualalumpur
        XCTAssertEqual(result.city, "5a8f1d468272c014a87c4975f652bf445c740f7dbf3e4174468a147b647c96cc")
        // selangor
        XCTAssertEqual(result.region, "30dea8ff5ec79622c6449b9305a6fb1fefd432ee229f39271774b4a567381589")
        // 50450
        XCTAssertEqual(result.postalCode, "004f3620a1f5a01e25a514c43517532d5003f05d94839c391d7390c66847ee89")
        // my
        XCTAssertEqual(result.country, "038468518ad8122e13112743f890c7ba96ac5665b71de548eceb23e9ef237805")
        let us = meta.normalize(AudienceIdentity(region: "CA", postalCode: "94103-1234", country: "US"))
        // ca: a two-letter code stays two letters
        XCTAssertEqual(us.region, "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126")
        // 94103: ZIP+4 cut to the five digits Meta matches on
        XCTAssertEqual(us.postalCode, "91dc2519ea98c5002cf2091e6a12b772eafdce9dca618e626d7d3b8275361789")
        // us
        XCTAssertEqual(us.country, "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621")
    }

    func testGoogleSendsPostalCodeAndCountryInClearAndNoCityOrRegion() {
        let result = google.normalize(
            AudienceIdentity(city: "London", region: "England", postalCode: " SW1A 1AA ", country: "gb"))
        XCTAssertNil(result.city)
        XCTAssertNil(result.region)
        XCTAssertEqual(result.postalCode, "SW1A1AA")
        XCTAssertEqual(result.country, "GB")
        XCTAssertEqual(result.problems, [])
    }

    func testACountryThatIsNotTwoLettersIsAProblemAndNoPhoneIsGuessedFromIt() {
        let withDefault = AudienceNormalizer(provider: .meta, defaultCountry: "US")
        let result = withDefault.normalize(AudienceIdentity(phone: "012-345 6789", country: "Malaysia"))
        XCTAssertNil(result.country)
        XCTAssertNil(result.phone)
        XCTAssertEqual(
            result.problems,
            [
                AudienceProblem(field: .phone, reason: .phoneCountryUnsupported),
                AudienceProblem(field: .country, reason: .countryNotAlpha2),
            ])
        XCTAssertFalse(result.problems.contains { $0.reason.message.contains("Malaysia") })
    }

    // MARK: Already hashed, empty, unhashed

    func testValuesThatArriveHashedAreNeverHashedAgain() {
        let lower = "16afb3ff18d530b4961b6ea492b213a2e2567a7bb310d77b6b09e3f6345f1f1d"
        let result = meta.normalize(
            AudienceIdentity(
                email: " " + lower.uppercased() + " ", phone: lower, firstName: lower.uppercased(), country: lower))
        XCTAssertEqual(result.email, lower)
        XCTAssertEqual(result.phone, lower)
        XCTAssertEqual(result.firstName, lower)
        XCTAssertEqual(result.country, lower)
        XCTAssertEqual(result.problems, [])
        // Google takes the country in clear, so a hashed one is not a country code.
        XCTAssertEqual(google.normalize(AudienceIdentity(country: lower)).problems.map(\.reason), [.countryNotAlpha2])
    }

    func testFieldsThatNormaliseToNothingAreNilNotTheHashOfEmpty() {
        let identity = AudienceIdentity(
            email: "  \t", phone: "n/a", firstName: "...", lastName: " – ", city: " - ", region: "", postalCode: "  ",
            country: " ", externalID: "  ")
        let result = meta.normalize(identity)
        XCTAssertEqual(
            result,
            NormalizedIdentity(
                email: nil, phone: nil, firstName: nil, lastName: nil, city: nil, region: nil, postalCode: nil,
                country: nil, externalID: nil, problems: []))
        XCTAssertNil(result.identityHash)
        XCTAssertEqual(google.normalize(AudienceIdentity(firstName: "-- ..")).firstName, nil)
    }

    func testExternalIDIsSentInClearAndTheIdentityHashIsCanonical() {
        let result = meta.normalize(
            AudienceIdentity(
                email: "aminah.binti@example.com", phone: "+60 12 345 6789", firstName: "Aminah",
                externalID: " CRM-0042 "))
        XCTAssertEqual(result.externalID, "CRM-0042")
        // sha256("herald-audience-v1\ne=<email hash>\np=<phone hash>\nx=CRM-0042")
        XCTAssertEqual(result.identityHash, "5d6dcba7d567d7c301f16181a96dca968a8f609902440b36ad5fd177f6c85b90")
        // Names do not identify a member, so they do not change it.
        let emailOnly = meta.normalize(AudienceIdentity(email: "aminah.binti@example.com", lastName: "Binti"))
        XCTAssertEqual(emailOnly.identityHash, "71f2936f9799dbe6e6e155a5199db492d60a610314c71fd4ae151d3a57a0c6fa")
    }

    func testGenericUsesMetaRules() {
        let generic = AudienceNormalizer(provider: .generic, defaultCountry: "MY")
        let identity = AudienceIdentity(email: "A.B+c@gmail.com", phone: "012-345 6789", city: "Kuala Lumpur")
        XCTAssertEqual(
            generic.normalize(identity), AudienceNormalizer(provider: .meta, defaultCountry: "MY").normalize(identity))
    }
}
