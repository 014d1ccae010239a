import HeraldPluginAPI

/// How the `audience` channel files its members in the core's membership ledger, and takes one out again after
/// an opt-out. A member is its `identityHash`; its keys are its email and phone as the provider gets them (SHA-256
/// hex) and its external id, which providers take in clear and match byte for byte, so a removal can only name it
/// the same way. A removal's `to` is built from those keys: hashes go out as they are, never hashed twice.
enum AudienceMembership {
    static let emailPrefix = "email:"
    static let phonePrefix = "phone:"
    static let externalIDPrefix = "external_id:"

    static func membership(_ normalizer: AudienceNormalizer) -> Membership {
        Membership(
            keys: { kind, address in keys(kind: kind, address: address, normalizer: normalizer) },
            leave: { list, keys in leave(list: list, keys: keys) })
    }

    /// What a delivered add or remove of `identity` changes; nil when nothing identifies the member.
    static func change(list: String, action: AudienceRequest.Action, identity: NormalizedIdentity) -> MembershipChange? {
        guard let member = identity.identityHash else { return nil }
        return MembershipChange(list: list, joined: action == .add, member: member, keys: keys(of: identity))
    }

    static func keys(of identity: NormalizedIdentity) -> [String] {
        [identity.email.map { emailPrefix + $0 }, identity.phone.map { phonePrefix + $0 },
         identity.externalID.map { externalIDPrefix + $0 }].compactMap { $0 }
    }

    /// The keys an opted-out address is filed under. A suppression names its kind: `email`, `phone` and
    /// `external_id` read as such; the channel's own kind (`audience`, an operator's `herald suppress`) and any
    /// other kind are read as whatever the address can be. A push token or webhook names no member.
    static func keys(kind: String, address: String, normalizer: AudienceNormalizer) -> [String] {
        var identity = AudienceIdentity()
        switch kind {
        case "email": identity.email = address
        case "phone": identity.phone = address
        case "external_id": identity.externalID = address
        case AudienceContract.addressKind:
            if address.contains("@") { identity.email = address } else { identity.phone = address }
            identity.externalID = address
        default: return []
        }
        // An external id tried as a phone normalizes to nothing or to a number no member has: harmless.
        return keys(of: normalizer.normalize(identity))
    }

    /// A remove of the member filed under `keys` from `list`.
    static func leave(list: String, keys: [String]) -> (to: JSONValue, fields: [String: JSONValue])? {
        var to: [String: JSONValue] = [:]
        for key in keys {
            if key.hasPrefix(emailPrefix) { to["email"] = .string(String(key.dropFirst(emailPrefix.count))) }
            if key.hasPrefix(phonePrefix) { to["phone"] = .string(String(key.dropFirst(phonePrefix.count))) }
            if key.hasPrefix(externalIDPrefix) { to["external_id"] = .string(String(key.dropFirst(externalIDPrefix.count))) }
        }
        guard !to.isEmpty else { return nil }
        return (.object(to), ["audience": .object(["name": .string(list), "action": .string("remove")])])
    }
}
