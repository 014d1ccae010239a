import HeraldPluginAPI

/// One delivery as a member of an audience request: its position in the plugin call, the message id and the
/// person's identifiers, normalized and hashed for the channel's provider. No raw value is kept.
struct AudienceMember: Sendable {
    var index: Int
    var id: String
    var identity: NormalizedIdentity

    static func identity(of recipient: Recipient) -> AudienceIdentity {
        AudienceIdentity(
            email: recipient.email, phone: recipient.phone, firstName: recipient.profile.firstName,
            lastName: recipient.profile.lastName, city: recipient.profile.city, region: recipient.profile.region,
            postalCode: recipient.profile.postalCode, country: recipient.profile.country, externalID: recipient.externalID)
    }
}

/// Splits members into requests: at most `maxRows` each, and at most `maxBody` bytes by the provider's own
/// measure of a row, so no request is refused for its size. A member too large alone still goes alone.
enum AudienceChunker {
    static func chunks(
        _ members: [AudienceMember], maxRows: Int, maxBody: Int, overhead: Int, size: (AudienceMember) -> Int
    ) -> [[AudienceMember]] {
        var out: [[AudienceMember]] = []
        var current: [AudienceMember] = []
        var bytes = overhead
        for member in members {
            let cost = size(member)
            if !current.isEmpty, current.count >= maxRows || bytes + cost > maxBody {
                out.append(current)
                current = []
                bytes = overhead
            }
            current.append(member)
            bytes += cost
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
