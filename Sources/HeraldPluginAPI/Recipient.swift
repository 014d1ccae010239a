/// Who a message is for, as the producer wrote it in `to`. Addresses are checked at intake (no CR/LF, no control
/// characters), so a plugin can put them on the wire as they are.
public struct Recipient: Sendable, Equatable {
    public var email: String?
    public var name: String?
    public var timezone: String?
    public var push: [PushDevice]?
    public var phone: String?
    public var visitor: String?
    public var externalID: String?
    /// The person's name and address parts, for channels that match people rather than reach them (an ad
    /// audience hashes them); no channel sends to them.
    public var profile: Profile
    /// `to` members a plugin declares (`ChannelContract.recipientExtensions`: a chat provider's `to.chat`), as
    /// intake validated them; each is an address of the recipient on that plugin's channels.
    public var extensions: [String: JSONValue]

    public init(
        email: String? = nil, name: String? = nil, timezone: String? = nil, push: [PushDevice]? = nil,
        phone: String? = nil, visitor: String? = nil, externalID: String? = nil, profile: Profile = Profile(),
        extensions: [String: JSONValue] = [:]
    ) {
        self.email = email
        self.name = name
        self.timezone = timezone
        self.push = push
        self.phone = phone
        self.visitor = visitor
        self.externalID = externalID
        self.profile = profile
        self.extensions = extensions
    }

    /// The `to` member names, as intake reads them.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case email, name, timezone, push, phone, visitor
        case externalID = "external_id"
        case firstName = "first_name"
        case lastName = "last_name"
        case city, region
        case postalCode = "postal_code"
        case country
    }

    /// `to.first_name`, `last_name`, `city`, `region`, `postal_code`, `country` (ISO 3166-1 alpha-2).
    public struct Profile: Sendable, Equatable {
        public var firstName: String?
        public var lastName: String?
        public var city: String?
        public var region: String?
        public var postalCode: String?
        public var country: String?

        public init(
            firstName: String? = nil, lastName: String? = nil, city: String? = nil, region: String? = nil,
            postalCode: String? = nil, country: String? = nil
        ) {
            self.firstName = firstName
            self.lastName = lastName
            self.city = city
            self.region = region
            self.postalCode = postalCode
            self.country = country
        }

        /// The parts that are set, by their `to` field name.
        public var fields: [(name: String, value: String)] {
            [("first_name", firstName), ("last_name", lastName), ("city", city), ("region", region),
             ("postal_code", postalCode), ("country", country)].compactMap { name, value in value.map { (name, $0) } }
        }
    }

    /// The recipient as a JSON object, the fields that are set, as plugins put it in payloads.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [:]
        let texts: [(String, String?)] = [
            ("email", email), ("name", name), ("timezone", timezone), ("phone", phone), ("visitor", visitor),
            ("external_id", externalID),
        ]
        for (key, value) in texts { if let value { object[key] = .string(value) } }
        for (key, value) in profile.fields { object[key] = .string(value) }
        if let push {
            object["push"] = .array(push.map(\.jsonValue))
        }
        for (key, value) in extensions { object[key] = value }
        return .object(object)
    }

    /// The recipient's most specific identity, for logs and caps: external id, else email, else a device.
    public var identity: String? {
        externalID ?? email ?? push?.first?.address ?? phone ?? visitor
    }
}

/// One device of the recipient, as the producer wrote it in `to.push`: an app's token (`apns`, `fcm`) or a
/// browser's PushSubscription (`web`: `endpoint` and `keys`). The core checks that every part is one line; which
/// parts a platform needs is the push plugin's contract (`ChannelContract.recipient`).
public struct PushDevice: Sendable, Equatable, Codable {
    public var platform: String
    public var token: String?
    /// A Web Push subscription's endpoint URL.
    public var endpoint: String?
    /// A Web Push subscription's keys (`p256dh`, `auth`), base64url as the browser gives them.
    public var keys: [String: String]?

    public init(platform: String, token: String? = nil, endpoint: String? = nil, keys: [String: String]? = nil) {
        self.platform = platform
        self.token = token
        self.endpoint = endpoint
        self.keys = keys
    }

    /// What names the device to its push service, and in a suppression entry: the token, else the endpoint.
    public var address: String? { token ?? endpoint }

    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["platform": .string(platform)]
        if let token { object["token"] = .string(token) }
        if let endpoint { object["endpoint"] = .string(endpoint) }
        if let keys { object["keys"] = .object(keys.mapValues(JSONValue.string)) }
        return .object(object)
    }
}
