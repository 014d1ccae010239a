import HeraldPluginAPI

/// What the `smtp` channel declares to the core: it sends to `to.email`, a 550 5.1.1 there is a hard bounce of
/// that address, custom headers follow `MailHeaders` (so intake rejects what this plugin would refuse later), and
/// `password` and `unsubscribe_secret` are secrets.
extension EmailPlugin {
    public static var contract: ChannelContract {
        ChannelContract(
            addressKind: "email", address: { recipient, _ in recipient.email }, deadAddressReason: .hardBounce,
            recipientFields: [.email],
            header: { name, value in
                do throws(MailFormatError) {
                    _ = try MailHeaders.validate(name: name, value: value)
                    return nil
                } catch {
                    return error.reason
                }
            },
            secretKeys: ["password", "unsubscribe_secret"])
    }
}
