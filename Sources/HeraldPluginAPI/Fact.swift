/// Something a plugin learned about one address or one message besides a delivery's outcome, for the core to act
/// on (STYLE 2: plugins report, the core decides): a push token among several that the service says is dead, and
/// later a bounce that arrives days after its message or a visitor's reply. A new kind is a new `Kind` value with
/// its details; existing kinds and the sink do not change. The core ignores kinds it does not know.
public struct Fact: Sendable, Equatable {
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// One address of the recipient is dead (`addressKind`, `address`, `deadReason`): the core suppresses that
        /// address at once, never the person's other addresses.
        public static let addressDead = Kind(rawValue: "address_dead")
        /// A person joined or left a list on the far side (`membership`): the core files it in its ledger.
        public static let membership = Kind(rawValue: "membership")
        /// The recipient at `address` (the contract's address) can be reached now (a visitor opened the chat): the
        /// core makes the messages parked for them due at once.
        public static let reachable = Kind(rawValue: "reachable")
        /// The recipient at `address` wrote back: `details["text"]`, and `details["conversation"]` when there is
        /// one. The core logs a `reply` event (masked, the text's length) and sends the text in status callbacks.
        public static let reply = Kind(rawValue: "reply")
        /// A message bounced after it was handed on (a DSN, a provider's event): `details["class"]` is `hard` or
        /// `soft`, `details["reason"]` the classification, `reply` the status and diagnostic. A hard bounce
        /// suppresses the address (`addressKind`, `address`); a soft one is logged and counted only.
        public static let bounced = Kind(rawValue: "bounced")
        /// A message was reported delayed by a later hop.
        public static let delayed = Kind(rawValue: "delayed")
        /// The recipient complained (a feedback-loop report): the address is suppressed with `complaint`.
        public static let complained = Kind(rawValue: "complained")

        public var description: String { rawValue }
    }

    public var kind: Kind
    /// The channel whose plugin learned it.
    public var channel: String
    /// The message it is about, when known: the delivery's id, or the id a late bounce names.
    public var messageID: String?
    /// The kind of address it is about (`push_token`, `email`: the contract's `addressKind`).
    public var addressKind: String?
    /// The address itself, in clear: the core masks it wherever it is shown.
    public var address: String?
    /// Why the address is dead, for `addressDead`.
    public var deadReason: DeadAddressReason?
    /// The peer's words.
    public var reply: Reply?
    /// Who joined or left which list, for `membership`.
    public var membership: MembershipChange?
    /// What a kind carries beyond these (a visitor's reply text), by name.
    public var details: [String: JSONValue]

    public init(
        kind: Kind, channel: String, messageID: String? = nil, addressKind: String? = nil, address: String? = nil,
        deadReason: DeadAddressReason? = nil, reply: Reply? = nil, membership: MembershipChange? = nil,
        details: [String: JSONValue] = [:]
    ) {
        self.kind = kind
        self.channel = channel
        self.messageID = messageID
        self.addressKind = addressKind
        self.address = address
        self.deadReason = deadReason
        self.reply = reply
        self.membership = membership
        self.details = details
    }

    /// `address` of kind `addressKind` is dead, as `reply` says.
    public static func addressDead(
        channel: String, messageID: String?, addressKind: String, address: String, reason: DeadAddressReason,
        reply: Reply
    ) -> Fact {
        Fact(
            kind: .addressDead, channel: channel, messageID: messageID, addressKind: addressKind, address: address,
            deadReason: reason, reply: reply)
    }

    /// The message `messageID` took effect on the far side: `change.member` joined or left `change.list`.
    public static func membership(channel: String, messageID: String, _ change: MembershipChange) -> Fact {
        Fact(kind: .membership, channel: channel, messageID: messageID, membership: change)
    }

    /// `address` can be reached on `channel` now: its parked messages go.
    public static func reachable(channel: String, address: String) -> Fact {
        Fact(kind: .reachable, channel: channel, address: address)
    }

    /// The person at `address` wrote `text` on `channel`, in `conversation` when there is one.
    public static func reply(channel: String, address: String, text: String, conversation: String? = nil) -> Fact {
        var details: [String: JSONValue] = ["text": .string(text)]
        if let conversation { details["conversation"] = .string(conversation) }
        return Fact(kind: .reply, channel: channel, address: address, details: details)
    }

    /// What a later hop said of message `messageID` to `address` (`bounced`, `delayed` or `complained`).
    public static func late(
        _ kind: Kind, channel: String, messageID: String?, addressKind: String, address: String?, reply: Reply,
        hard: Bool = false, reason: String? = nil
    ) -> Fact {
        var details: [String: JSONValue] = [:]
        if kind == .bounced { details["class"] = .string(hard ? "hard" : "soft") }
        if let reason { details["reason"] = .string(reason) }
        return Fact(
            kind: kind, channel: channel, messageID: messageID, addressKind: addressKind, address: address,
            deadReason: hard ? .hardBounce : nil, reply: reply, details: details)
    }
}
