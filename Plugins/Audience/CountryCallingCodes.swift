/// The numbering plan of each country a local phone number can be read in, by ISO 3166-1 alpha-2 code: the ITU
/// calling codes, and the few countries whose trunk prefix is not a plain leading 0. Numbers written with `+` or
/// `00` never look here.
enum CountryCallingCodes {
    /// The plan for `country` (any case), or nil for a code this table does not know.
    static func plan(for country: String) -> NumberingPlan? {
        let code = country.uppercased()
        if let plan = specialPlans[code] { return plan }
        return trunkZeroCodes[code].map(NumberingPlan.trunkZero)
    }

    /// Countries whose local numbers lose a leading 0 (or never have one): most of the world.
    static let trunkZeroCodes: [String: String] = [
        "AD": "376", "AE": "971", "AF": "93", "AL": "355", "AM": "374", "AO": "244", "AR": "54", "AT": "43",
        "AU": "61", "AW": "297", "AX": "358", "AZ": "994", "BA": "387", "BD": "880", "BE": "32", "BF": "226",
        "BG": "359", "BH": "973", "BI": "257", "BJ": "229", "BL": "590", "BN": "673", "BO": "591", "BQ": "599",
        "BR": "55", "BT": "975", "BW": "267", "BZ": "501", "CC": "61", "CD": "243", "CF": "236", "CH": "41",
        "CK": "682", "CL": "56", "CM": "237", "CN": "86", "CO": "57", "CR": "506", "CU": "53", "CV": "238",
        "CW": "599", "CX": "61", "CY": "357", "CZ": "420", "DE": "49", "DJ": "253", "DK": "45", "DZ": "213",
        "EC": "593", "EE": "372", "EG": "20", "EH": "212", "ER": "291", "ES": "34", "ET": "251", "FI": "358",
        "FJ": "679", "FK": "500", "FM": "691", "FO": "298", "FR": "33", "GA": "241", "GB": "44", "GE": "995",
        "GF": "594", "GG": "44", "GH": "233", "GI": "350", "GL": "299", "GM": "220", "GN": "224", "GP": "590",
        "GQ": "240", "GR": "30", "GT": "502", "GW": "245", "GY": "592", "HK": "852", "HN": "504", "HR": "385",
        "HT": "509", "ID": "62", "IE": "353", "IL": "972", "IM": "44", "IN": "91", "IO": "246", "IQ": "964",
        "IR": "98", "IS": "354", "JE": "44", "JO": "962", "JP": "81", "KE": "254", "KG": "996", "KH": "855",
        "KI": "686", "KM": "269", "KP": "850", "KR": "82", "KW": "965", "LA": "856", "LB": "961", "LI": "423",
        "LK": "94", "LR": "231", "LS": "266", "LU": "352", "LV": "371", "LY": "218", "MA": "212", "MC": "377",
        "MD": "373", "ME": "382", "MF": "590", "MG": "261", "MH": "692", "MK": "389", "ML": "223", "MM": "95",
        "MN": "976", "MO": "853", "MQ": "596", "MR": "222", "MT": "356", "MU": "230", "MV": "960", "MW": "265",
        "MX": "52", "MY": "60", "MZ": "258", "NA": "264", "NC": "687", "NE": "227", "NF": "672", "NG": "234",
        "NI": "505", "NL": "31", "NO": "47", "NP": "977", "NR": "674", "NU": "683", "NZ": "64", "OM": "968",
        "PA": "507", "PE": "51", "PF": "689", "PG": "675", "PH": "63", "PK": "92", "PL": "48", "PM": "508",
        "PS": "970", "PT": "351", "PW": "680", "PY": "595", "QA": "974", "RE": "262", "RO": "40", "RS": "381",
        "RW": "250", "SA": "966", "SB": "677", "SC": "248", "SD": "249", "SE": "46", "SG": "65", "SH": "290",
        "SI": "386", "SJ": "47", "SK": "421", "SL": "232", "SN": "221", "SO": "252", "SR": "597", "SS": "211",
        "ST": "239", "SV": "503", "SY": "963", "SZ": "268", "TD": "235", "TG": "228", "TH": "66", "TK": "690",
        "TL": "670", "TN": "216", "TO": "676", "TR": "90", "TV": "688", "TW": "886", "TZ": "255", "UA": "380",
        "UG": "256", "UY": "598", "VE": "58", "VN": "84", "VU": "678", "WF": "681", "WS": "685", "XK": "383",
        "YE": "967", "YT": "262", "ZA": "27", "ZM": "260", "ZW": "263",
    ]

    /// The plans that are not `trunkZero`; no country is in both parts.
    static let specialPlans: [String: NumberingPlan] = nanp.merging(otherPlans) { first, _ in first }

    /// The North American Numbering Plan: no trunk prefix, ten-digit national numbers, so a local number that
    /// starts with 1 already carries the country code.
    private static let nanp: [String: NumberingPlan] = Dictionary(
        uniqueKeysWithValues: [
            "AG", "AI", "AS", "BB", "BM", "BS", "CA", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC", "MP", "MS", "PR",
            "SX", "TC", "TT", "US", "VC", "VG", "VI",
        ].map { ($0, NumberingPlan(callingCode: "1", trunkPrefixes: [], nationalLength: 10)) })

    private static let otherPlans: [String: NumberingPlan] = [
        // The leading 0 is part of the number: Italian and Vatican fixed lines (06…), San Marino (0549…), the
        // ten-digit numbers of Côte d'Ivoire since 2021 and the Republic of the Congo's 0x numbers.
        "IT": .keepsZero("39"), "VA": .keepsZero("39"), "SM": .keepsZero("378"), "CI": .keepsZero("225"),
        "CG": .keepsZero("242"),
        // Trunk prefix 8 (8 912 345-67-89), ten-digit national numbers that may themselves start with 7 or 8.
        "RU": NumberingPlan(callingCode: "7", trunkPrefixes: ["8"], nationalLength: 10),
        "KZ": NumberingPlan(callingCode: "7", trunkPrefixes: ["8"], nationalLength: 10),
        // Former-USSR trunk 8, checked against the national length so an 8 that starts a national number stays:
        // Belarus dials 8 0 before the operator code; Lithuania's older 8 and the 0 used elsewhere both drop.
        "BY": NumberingPlan(callingCode: "375", trunkPrefixes: ["80"], nationalLength: 9),
        "LT": NumberingPlan(callingCode: "370", trunkPrefixes: ["8", "0"], nationalLength: 8),
        "UZ": NumberingPlan(callingCode: "998", trunkPrefixes: ["8"], nationalLength: 9),
        "TJ": NumberingPlan(callingCode: "992", trunkPrefixes: ["8"], nationalLength: 9),
        "TM": NumberingPlan(callingCode: "993", trunkPrefixes: ["8"], nationalLength: 8),
        // Hungary's trunk prefix is 06 (06 1 234 5678 is +36 1 234 5678).
        "HU": NumberingPlan(callingCode: "36", trunkPrefixes: ["06"], nationalLength: nil),
    ]
}
