import HeraldPluginAPI

/// What the `webhook` channel declares to the core: it tells a receiver about a person, so any recipient field
/// will do and a suppression of kind `webhook` names the person's identity (set by hand: no webhook outcome
/// suppresses anyone; a gone endpoint is the channel's trouble, not the recipient's). `secret` is a secret.
extension WebhookPlugin {
    public static var contract: ChannelContract {
        ChannelContract(addressKind: "webhook", secretKeys: ["secret"])
    }
}
