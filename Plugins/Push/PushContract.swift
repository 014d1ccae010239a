import HeraldPluginAPI

/// What the `push` channel declares to the core: it sends to the devices in `to.push`, each suppressed on its own
/// (`token_invalid`, never the person), checks each device's shape and Web Push origin at intake, owns the
/// message's `push` object, and names each delivery's destination by the push services of its devices, so an
/// APNs outage does not hold Web Push back.
enum PushContract {
    static let addressKind = "push_token"

    static func contract(origins: WebPushOrigins) -> ChannelContract {
        let devices = PushDeviceCheck(origins: origins)
        return ChannelContract(
            addressKind: addressKind, address: { recipient, _ in recipient.push?.first?.address },
            deadAddressReason: .tokenInvalid, recipientFields: [.push], fields: [PushMessageField.field],
            recipient: { devices.check($0) }, fanOut: .pushDevices,
            destination: { delivery in destination(delivery.recipient, origins: origins) })
    }

    /// The distinct services of the delivery's devices, sorted and joined (`apns`, `apns+https://fcm.googleapis.com`).
    static func destination(_ recipient: Recipient, origins: WebPushOrigins) -> String? {
        let services = Set(
            (recipient.push ?? []).compactMap { device -> String? in
                device.platform == "web" ? device.endpoint.flatMap(origins.origin(of:)) : device.platform
            })
        return services.isEmpty ? nil : services.sorted().joined(separator: "+")
    }

    /// The origins a channel's config allows; the defaults when it sets none or sets them wrongly (the plugin's
    /// init then refuses the config with the key named).
    static func origins(_ config: PluginConfig) -> WebPushOrigins {
        guard let entries = (try? config.table("webpush")?.strings("allowed_origins")) ?? nil,
            let origins = try? WebPushOrigins(entries)
        else { return .standard }
        return origins
    }
}
