import HeraldPluginAPI

/// What the `webhook` channel declares to the core: it tells a receiver about a person, so any recipient field
/// will do and a suppression of kind `webhook` names the person's identity (set by hand: no webhook outcome
/// suppresses anyone; a gone endpoint is the channel's trouble, not the recipient's). `secret` is a secret. Each
/// named endpoint is a destination of its own, so one receiver down does not hold back the others.
extension WebhookPlugin {
    public static var contract: ChannelContract {
        ChannelContract(
            addressKind: "webhook", secretKeys: ["secret"],
            destination: { delivery in delivery.metadata.endpoint.map { "endpoint " + $0 } })
    }
}
