/// For a channel that keeps people in lists on the far side (an ad platform's audiences): how the core's
/// membership ledger finds a person who opted out, and the message that takes them off a list. The plugin reports
/// who joined and left as `Fact.membership`; the core records it, counts it (`herald stats --by audience`) and, on
/// an opt-out, queues one such message per list the person is in. The core never reads a key or builds a `to`.
public struct Membership: Sendable {
    /// The keys an address of `kind` (as a suppression names it: `email`, `phone`, `external_id`) is filed under
    /// on this channel, normalized and hashed as the plugin files its members; empty: no member can have it.
    public var keys: @Sendable (_ kind: String, _ address: String) -> [String]
    /// The `to` object and plugin fields of a message that takes the member filed under `keys` off `list`; nil
    /// when the keys name nobody this channel can address.
    public var leave: @Sendable (_ list: String, _ keys: [String]) -> (to: JSONValue, fields: [String: JSONValue])?

    public init(
        keys: @escaping @Sendable (_ kind: String, _ address: String) -> [String],
        leave: @escaping @Sendable (_ list: String, _ keys: [String]) -> (to: JSONValue, fields: [String: JSONValue])?
    ) {
        self.keys = keys
        self.leave = leave
    }
}

/// One person joining or leaving one list, as a plugin reports it once the far side has taken it.
public struct MembershipChange: Sendable, Equatable {
    /// The list's name as messages give it (`cart-abandoners`), not the provider's id.
    public var list: String
    public var joined: Bool
    /// Who, as the plugin tells its members apart: a hash of the normalized identity, never a raw address.
    public var member: String
    /// What an opt-out finds the member by (`Membership.keys`), and what a removal is built from: hashes, and only
    /// values the far side takes in clear (an external id).
    public var keys: [String]

    public init(list: String, joined: Bool, member: String, keys: [String]) {
        self.list = list
        self.joined = joined
        self.member = member
        self.keys = keys
    }
}
