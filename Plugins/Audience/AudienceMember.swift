import HeraldPluginAPI

/// One delivery as a member of an audience request: its position in the plugin call, the message id and the
/// person's identifiers, normalized and hashed for the channel's provider. No raw value is kept.
struct AudienceMember: Sendable {
    var index: Int
    var id: String
    /// The audience's name in the message (the ledger's list), not the provider's id.
    var list: String
    var identity: NormalizedIdentity
    /// The message's own `audience.consent` (Google): it overrides the channel's per member; empty: the channel's.
    var consent: [String: String] = [:]

    static func identity(of recipient: Recipient) -> AudienceIdentity {
        AudienceIdentity(
            email: recipient.email, phone: recipient.phone, firstName: recipient.profile.firstName,
            lastName: recipient.profile.lastName, city: recipient.profile.city, region: recipient.profile.region,
            postalCode: recipient.profile.postalCode, country: recipient.profile.country, externalID: recipient.externalID)
    }
}

/// One request's worth of members: the audience, the action and who.
struct AudienceChunk: Sendable {
    var audienceID: String
    var action: AudienceRequest.Action
    var members: [AudienceMember]
}

/// Splits members into requests: at most `maxRows` each, and at most `maxBody` bytes by the provider's own
/// measure of a row, so no request is refused for its size; as few requests as that allows; and evened out
/// when that keeps every request at least 90% full, so a batch's last request is not a stub (10,000 rows at
/// ~870 a request go as 12 of ~834, not 11 full and one of 430), while a short tail (900 rows) still goes as
/// one full request and a small one. A member too large alone still goes alone.
enum AudienceChunker {
    static let evenFill = 0.9

    static func chunks(
        _ members: [AudienceMember], maxRows: Int, maxBody: Int, overhead: Int, size: (AudienceMember) -> Int
    ) -> [[AudienceMember]] {
        let costs = members.map(size)
        let greedy = split(members, costs: costs, maxRows: maxRows, maxBody: maxBody, overhead: overhead)
        guard greedy.count > 1 else { return greedy.map { $0.map(\.member) } }
        let even = (members.count + greedy.count - 1) / greedy.count
        let balanced = split(members, costs: costs, maxRows: min(maxRows, even), maxBody: maxBody, overhead: overhead)
        let full = balanced.allSatisfy { chunk in
            let bytes = overhead + chunk.reduce(0) { $0 + $1.cost }
            return max(Double(chunk.count) / Double(maxRows), Double(bytes) / Double(maxBody)) >= evenFill
        }
        return (balanced.count == greedy.count && full ? balanced : greedy).map { $0.map(\.member) }
    }

    private static func split(
        _ members: [AudienceMember], costs: [Int], maxRows: Int, maxBody: Int, overhead: Int
    ) -> [[(member: AudienceMember, cost: Int)]] {
        var out: [[(member: AudienceMember, cost: Int)]] = []
        var current: [(member: AudienceMember, cost: Int)] = []
        var bytes = overhead
        for (member, cost) in zip(members, costs) {
            if !current.isEmpty, current.count >= maxRows || bytes + cost > maxBody {
                out.append(current)
                current = []
                bytes = overhead
            }
            current.append((member, cost))
            bytes += cost
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
