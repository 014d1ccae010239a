import HeraldPluginAPI
import HeraldTransport

/// Google's Data Manager API (PROTOCOLS §6.3): `POST {url}/v1/audienceMembers:ingest` adds and
/// `audienceMembers:remove` removes, one JSON body per request:
///
/// ```json
/// {"destinations": [{"operatingAccount": {"accountType": "GOOGLE_ADS", "accountId": "1234567890"},
///                    "productDestinationId": "<audience id>"}],
///  "audienceMembers": [{"userData": {"userIdentifiers": [{"emailAddress": "<hex>"}, {"phoneNumber": "<hex>"},
///                       {"address": {"givenName": "<hex>", "familyName": "<hex>", "regionCode": "MY", "postalCode": "50450"}}]},
///                       "consent": {…}}],
///  "consent": {"adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_GRANTED"},
///  "encoding": "HEX", "termsOfService": {"customerMatchTermsOfServiceStatus": "ACCEPTED"}}
/// ```
///
/// The request's `consent` is the channel's; a member carries its own only when its message gave one. A removal
/// carries neither consent nor terms of service: Google refuses them there. The access token comes from the caller.
enum GoogleRequest {
    /// The destination, consent, encoding and terms: what a request costs beyond its members, with room for an
    /// audience id and account id of 100 bytes together.
    static let overhead = 420

    /// A member's encoded size, counting only the identifiers it has and its own consent.
    static func size(_ member: AudienceMember) -> Int {
        var total = 40  // {"userData":{"userIdentifiers":[]}},
        let identity = member.identity
        if let email = identity.email { total += email.utf8.count + 20 }
        if let phone = identity.phone { total += phone.utf8.count + 19 }
        if let address = address(identity) {
            total += address.values.reduce(80) { $0 + $1.utf8.count }
        }
        if !member.consent.isEmpty { total += 80 }
        return total
    }

    /// Whether anything Google matches on is left: an email, a phone, or a whole address. The external id is not
    /// one of Google's identifiers.
    static func hasIdentifier(_ identity: NormalizedIdentity) -> Bool {
        identity.email != nil || identity.phone != nil || address(identity) != nil
    }

    /// Google's address identifier, only when it is whole: both names with the region and postal code. A part
    /// alone matches nobody and Google refuses it, so a partial address is left out.
    static func address(_ identity: NormalizedIdentity) -> [String: String]? {
        guard let given = identity.firstName, let family = identity.lastName, let region = identity.country,
            let postal = identity.postalCode
        else { return nil }
        return ["givenName": given, "familyName": family, "regionCode": region, "postalCode": postal]
    }

    static func body(
        _ members: [AudienceMember], audienceID: String, action: AudienceRequest.Action, google: AudienceConfig.Google
    ) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: members.count * 200 + overhead)
        let destination: JSONValue = .object([
            "operatingAccount": .object(["accountType": .string(google.accountType), "accountId": .string(google.accountID)]),
            "productDestinationId": .string(audienceID),
        ])
        var fields: [(String, JSONValue?)] = [
            ("destinations", .array([destination])),
            ("audienceMembers", .array(members.map { member($0, action: action, channel: google.consent) })),
        ]
        if action == .add {
            fields.append(("consent", consent(google.consent)))
        }
        fields.append(("encoding", .string("HEX")))
        if action == .add {
            fields.append(("termsOfService", .object(["customerMatchTermsOfServiceStatus": .string("ACCEPTED")])))
        }
        writer.object(fields)
        return writer.bytes
    }

    static func request(
        body: [UInt8], action: AudienceRequest.Action, accessToken: String, config: AudienceConfig
    ) -> HTTPRequest {
        let method = action == .add ? "ingest" : "remove"
        return HTTPRequest(
            url: "\(config.url)/v1/audienceMembers:\(method)",
            headers: ["Authorization: Bearer \(accessToken)", "Content-Type: application/json", "User-Agent: Herald/1"],
            body: body, timeout: config.timeout, connectTimeout: config.connectTimeout, caFile: config.caFile)
    }

    private static func member(_ member: AudienceMember, action: AudienceRequest.Action, channel: [String: String]) -> JSONValue {
        let identity = member.identity
        var identifiers: [JSONValue] = []
        if let email = identity.email { identifiers.append(.object(["emailAddress": .string(email)])) }
        if let phone = identity.phone { identifiers.append(.object(["phoneNumber": .string(phone)])) }
        if let address = address(identity) {
            identifiers.append(.object(["address": .object(address.mapValues(JSONValue.string))]))
        }
        var object: [String: JSONValue] = ["userData": .object(["userIdentifiers": .array(identifiers)])]
        if action == .add, !member.consent.isEmpty {
            object["consent"] = consent(channel.merging(member.consent) { $1 })
        }
        return .object(object)
    }

    /// `granted` / `denied` in Google's enum names.
    static func consent(_ signals: [String: String]) -> JSONValue {
        func status(_ key: String) -> JSONValue { .string(signals[key] == "denied" ? "CONSENT_DENIED" : "CONSENT_GRANTED") }
        return .object(["adUserData": status("ad_user_data"), "adPersonalization": status("ad_personalization")])
    }
}
