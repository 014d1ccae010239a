/// Who a message is for, as the producer wrote it in `to`. Addresses are checked at intake (no CR/LF, no control
/// characters), so a plugin can put them on the wire as they are.
public struct Recipient: Sendable, Equatable, Codable {
    public var email: String?
    public var name: String?
    public var timezone: String?
    public var push: [PushToken]?
    public var phone: String?
    public var visitor: String?
    public var externalID: String?

    public init(
        email: String? = nil, name: String? = nil, timezone: String? = nil, push: [PushToken]? = nil,
        phone: String? = nil, visitor: String? = nil, externalID: String? = nil
    ) {
        self.email = email
        self.name = name
        self.timezone = timezone
        self.push = push
        self.phone = phone
        self.visitor = visitor
        self.externalID = externalID
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case email, name, timezone, push, phone, visitor
        case externalID = "external_id"
    }

    /// The recipient as a JSON object, the fields that are set, as plugins put it in payloads.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [:]
        let texts: [(String, String?)] = [
            ("email", email), ("name", name), ("timezone", timezone), ("phone", phone), ("visitor", visitor),
            ("external_id", externalID),
        ]
        for (key, value) in texts { if let value { object[key] = .string(value) } }
        if let push {
            object["push"] = .array(push.map { .object(["platform": .string($0.platform), "token": .string($0.token)]) })
        }
        return .object(object)
    }

    /// The recipient's most specific identity, for logs and caps: external id, else email, else a token.
    public var identity: String? {
        externalID ?? email ?? push?.first?.token ?? phone ?? visitor
    }
}

public struct PushToken: Sendable, Equatable, Codable {
    public var platform: String
    public var token: String

    public init(platform: String, token: String) {
        self.platform = platform
        self.token = token
    }
}
