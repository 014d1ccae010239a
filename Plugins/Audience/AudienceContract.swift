import HeraldPluginAPI

/// What the `audience` channel declares to the core: it matches people (email, phone or external id) rather
/// than reaching them, so caps and quiet hours skip it; it needs no content; it owns the message's `audience`
/// object (a name the channel maps, an action); its batches group by audience and action; it files its members
/// in the core's membership ledger, so an opt-out removes them; and it takes email and phone already hashed.
enum AudienceContract {
    static let addressKind = "audience"

    static func contract(names: Set<String>, normalizer: AudienceNormalizer? = nil) -> ChannelContract {
        ChannelContract(
            addressKind: addressKind, address: { recipient, _ in recipient.externalID ?? recipient.email ?? recipient.phone },
            recipientFields: [.email, .phone, .externalID], needsContent: false, secretKeys: ["access_token", "secret"],
            fields: [AudienceRequest.field(names: names)], reachesPerson: false,
            batchKey: { delivery in batchKey(delivery) },
            // An add for someone who opted out anywhere ends suppressed; a remove always goes.
            stoppedByOptOut: { fields in fields["audience"]?["action"]?.stringValue == "add" },
            batchCancel: normalizer.map(cancel), membership: normalizer.map(AudienceMembership.membership),
            takesHashedIdentifiers: true)
    }

    /// A remove of a member whose add still waits for its batch undoes it: both end cancelled, nothing is sent.
    /// Members compare by their hashed identity, as the platform would match them.
    static func cancel(_ normalizer: AudienceNormalizer) -> BatchCancel {
        BatchCancel(
            member: { delivery in normalizer.normalize(AudienceMember.identity(of: delivery.recipient)).identityHash },
            undoes: { key in key.hasSuffix("/remove") ? String(key.dropLast("remove".count)) + "add" : nil })
    }

    /// `name/action`, from the validated field; "" for a delivery without one (it fails in the plugin).
    static func batchKey(_ delivery: Delivery) -> String {
        guard case .object(let object)? = delivery.fields["audience"] else { return "" }
        return (object["name"]?.stringValue ?? "") + "/" + (object["action"]?.stringValue ?? "")
    }

    /// The names a channel's config maps; none when the key is missing or wrong (the plugin's init then refuses
    /// the config with the key named).
    static func names(_ config: PluginConfig) -> Set<String> {
        Set(((try? config.stringTable("audiences")) ?? [:]).keys)
    }

    /// The channel's normalizer, read without building the plugin; nil when `provider` is missing or wrong.
    static func normalizer(_ config: PluginConfig) -> AudienceNormalizer? {
        guard let provider = (try? config.string("provider")).flatMap({ $0 }).flatMap(AudienceProvider.init(rawValue:)) else {
            return nil
        }
        let country = (try? config.string("default_country")).flatMap { $0 }?.uppercased()
        return AudienceNormalizer(provider: provider, defaultCountry: country)
    }
}
