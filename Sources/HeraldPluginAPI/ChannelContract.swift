/// What a plugin accepts and whom it sends to, declared once by the plugin and enforced by the core: intake
/// rejects a message that breaks the contract of its channel or of a fallback channel (naming the field), the
/// policy keys suppression on the declared address, and `herald check` knows the plugin's secret keys. The core
/// thereby names no plugin. Not a validator of the plugin's config (that is `init(config:context:)`).
///
/// Every member has a default, so a plugin declares only what differs (STYLE 6).
public struct ChannelContract: Sendable {
    /// The kind of address this channel sends to, the first half of a suppression key: `email`, `push_token`,
    /// `webhook`… Operators name it in `herald suppress --kind`.
    public var addressKind: String
    /// The address one message goes to on this channel: what a suppression of `addressKind` is checked against,
    /// and what an automatic suppression (a recipient-invalid outcome) names. Never a person's other addresses.
    public var address: @Sendable (_ recipient: Recipient, _ endpoint: String?) -> String?
    /// What a recipient-invalid outcome says about that address.
    public var deadAddressReason: DeadAddressReason
    /// A message for this channel must set at least one of these `to` fields; empty: any recipient will do.
    public var recipientFields: [RecipientField]
    /// Whether the channel sends content, so a message needs a template or inline content.
    public var needsContent: Bool
    /// Checks one custom header (`headers.NAME`) as the plugin will treat it; nil: the channel takes any header
    /// the core's generic rule allows (printable name, one-line value).
    public var header: (@Sendable (_ name: String, _ value: String) -> String?)?
    /// Config keys that hold secrets inline (`password`, `secret`, …), for `herald check`'s readable-file warning.
    public var secretKeys: [String]
    /// Top-level message fields of the plugin's own (`push`, `audience`, …), each with its validator.
    public var fields: [MessageField]
    /// Checks the recipient as this plugin will address it (each device's shape for its platform, a Web Push
    /// endpoint's origin); nil when it will do, else the path below `to` (`.push[1].endpoint`) and what a good
    /// value looks like. Runs at intake for every channel on the message's route.
    public var recipient: (@Sendable (Recipient) -> (path: String, reason: String)?)?
    /// For a channel that sends one message to several addresses of the recipient (push: every device): which
    /// they are. nil: the message goes to the one `address`.
    public var fanOut: FanOut?
    /// Where one delivery goes, for dead-destination backoff (a named endpoint, a push service, a provider host);
    /// nil, or nil for a delivery: the channel. On a channel with `domain_rate`, the core uses the recipient
    /// domain instead, for every plugin.
    public var destination: (@Sendable (Delivery) -> String?)?
    /// Whether a message here reaches the person (a mail, a push), so frequency caps count it and quiet hours hold
    /// it. false for a channel that only matches people somewhere (an ad-audience sync): suppression still applies.
    public var reachesPerson: Bool
    /// Deliveries that may share one plugin call on a channel with `batch_linger`: the lane fills batches per
    /// key (an audience and its action). nil: any deliveries of the channel go together.
    public var batchKey: (@Sendable (Delivery) -> String)?
    /// Which messages the person's opt-out stops wherever it was given: any of their addresses (email, phone,
    /// external id, devices) unsubscribed, complained or suppressed by hand, under any kind (an email unsubscribe
    /// stops an audience add). Given the message's plugin fields; nil: only this channel's address counts.
    public var stoppedByOptOut: (@Sendable (_ fields: [String: JSONValue]) -> Bool)?
    /// On a channel with `batch_linger`: which waiting delivery a new one undoes, so both end `cancelled` unsent.
    public var batchCancel: BatchCancel?
    /// For a channel that keeps people in lists: how an opt-out finds them and takes them off (`Membership`).
    public var membership: Membership?
    /// `to` members of the plugin's own (`chat`: a provider's conversation), each with its validator; `required`:
    /// a message for this channel must carry it. Each counts as an address for the rule that `to` names one.
    public var recipientExtensions: [MessageField]
    /// Whether `to.email` and `to.phone` may arrive as SHA-256 hashes (64 hex digits) instead of addresses, for a
    /// channel that only ever sends them hashed; intake then skips the address check for such a value.
    public var takesHashedIdentifiers: Bool

    public init(
        addressKind: String, address: @escaping @Sendable (_ recipient: Recipient, _ endpoint: String?) -> String? = {
            recipient, _ in recipient.identity
        }, deadAddressReason: DeadAddressReason = .tokenInvalid, recipientFields: [RecipientField] = [],
        needsContent: Bool = true, header: (@Sendable (_ name: String, _ value: String) -> String?)? = nil,
        secretKeys: [String] = [], fields: [MessageField] = [],
        recipient: (@Sendable (Recipient) -> (path: String, reason: String)?)? = nil, fanOut: FanOut? = nil,
        destination: (@Sendable (Delivery) -> String?)? = nil, reachesPerson: Bool = true,
        batchKey: (@Sendable (Delivery) -> String)? = nil,
        stoppedByOptOut: (@Sendable (_ fields: [String: JSONValue]) -> Bool)? = nil, batchCancel: BatchCancel? = nil,
        membership: Membership? = nil, takesHashedIdentifiers: Bool = false, recipientExtensions: [MessageField] = []
    ) {
        self.addressKind = addressKind
        self.address = address
        self.deadAddressReason = deadAddressReason
        self.recipientFields = recipientFields
        self.needsContent = needsContent
        self.header = header
        self.secretKeys = secretKeys
        self.fields = fields
        self.recipient = recipient
        self.fanOut = fanOut
        self.destination = destination
        self.reachesPerson = reachesPerson
        self.batchKey = batchKey
        self.stoppedByOptOut = stoppedByOptOut
        self.batchCancel = batchCancel
        self.membership = membership
        self.takesHashedIdentifiers = takesHashedIdentifiers
        self.recipientExtensions = recipientExtensions
    }
}

/// A delivery that undoes another still waiting for its batch (a remove of a member whose add has not gone yet):
/// the lane ends both `cancelled`, naming each other, and sends neither.
public struct BatchCancel: Sendable {
    /// Who a delivery is about, as the plugin compares them (a hashed identity); nil: it cancels nothing.
    public var member: @Sendable (Delivery) -> String?
    /// For a delivery's batch key, the batch key of the waiting deliveries it undoes (`cart/remove` → `cart/add`).
    public var undoes: @Sendable (_ key: String) -> String?

    public init(member: @escaping @Sendable (Delivery) -> String?, undoes: @escaping @Sendable (_ key: String) -> String?) {
        self.member = member
        self.undoes = undoes
    }
}

/// The addresses one message reaches on a fan-out channel, each checked against suppression on its own: the
/// plugin is handed the recipient with the live ones only (`keeping`), a message with none live is suppressed
/// before sending (and moves along its fallback route), and a recipient-invalid outcome suppresses nothing by
/// itself: the plugin reports each dead address as a `Fact`, so the person's other addresses stay live.
public struct FanOut: Sendable {
    public var addresses: @Sendable (Recipient) -> [String]
    /// The recipient with only the addresses in `live` (a subset of `addresses`).
    public var keeping: @Sendable (_ recipient: Recipient, _ live: Set<String>) -> Recipient

    public init(
        addresses: @escaping @Sendable (Recipient) -> [String],
        keeping: @escaping @Sendable (_ recipient: Recipient, _ live: Set<String>) -> Recipient
    ) {
        self.addresses = addresses
        self.keeping = keeping
    }

    /// Every device in `to.push`, by its token or endpoint.
    public static let pushDevices = FanOut(
        addresses: { ($0.push ?? []).compactMap(\.address) },
        keeping: { recipient, live in
            var kept = recipient
            kept.push = recipient.push?.filter { $0.address.map(live.contains) ?? false }
            return kept
        })
}

/// The suppression reason a recipient-invalid outcome records for the address that failed.
public enum DeadAddressReason: String, Sendable {
    /// A mailbox that does not exist (550 5.1.1): stops transactional mail too.
    case hardBounce = "hard_bounce"
    /// A device token or endpoint the service says is dead.
    case tokenInvalid = "token_invalid"
}

/// A `to` field a channel can send to.
public enum RecipientField: String, Sendable, CaseIterable {
    case email, push, phone, visitor
    case externalID = "external_id"

    public func isSet(in recipient: Recipient) -> Bool {
        switch self {
        case .email: recipient.email != nil
        case .push: !(recipient.push ?? []).isEmpty
        case .phone: recipient.phone != nil
        case .visitor: recipient.visitor != nil
        case .externalID: recipient.externalID != nil
        }
    }
}

/// A top-level message field a plugin owns. The validator gets the field's JSON and returns nil when it is
/// good, or the problem: a path below the field (`""` for the field itself, `.ttl`, `[0].token`) and a sentence
/// that says what a good value looks like.
public struct MessageField: Sendable {
    public var name: String
    /// A message for a channel on its route must carry the field (an audience sync without `audience` says
    /// nothing); intake rejects one without it, naming the field.
    public var required: Bool
    public var validate: @Sendable (JSONValue) -> (path: String, reason: String)?

    public init(
        name: String, required: Bool = false, validate: @escaping @Sendable (JSONValue) -> (path: String, reason: String)?
    ) {
        self.name = name
        self.required = required
        self.validate = validate
    }
}
