/// What a channel plugin reports for one delivery: the peer's own words and the class of the result.
/// The core, not the plugin, decides what each class means (retry, throttle, suppress, pause); see DESIGN §6.

/// The peer's reply, verbatim where possible: `"250" "2.0.0 Ok"`, `"429" "Too Many Requests"`, `"curl:28" "Timeout"`.
public struct Reply: Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var text: String

    public init(code: String, text: String) {
        self.code = code
        self.text = text
    }

    public var description: String { text.isEmpty ? code : "\(code) \(text)" }
}

public enum Outcome: Sendable, Equatable {
    case delivered(providerID: String?, reply: Reply)
    /// Network errors, 4xx SMTP, 5xx HTTP: retry later.
    case transient(reply: Reply, retryAfter: Duration?)
    /// 429, 421/451 rate limits: slow the whole channel, then retry.
    case throttled(reply: Reply, retryAfter: Duration?)
    /// The message itself is wrong (5xx SMTP, 400 payload): dead-letter now.
    case permanent(reply: Reply)
    /// The address or token is dead (410, 550 5.1.1): never retry, suppress.
    case recipientInvalid(reply: Reply)
    /// The channel's credentials are wrong (401/403, 535): pause the channel, keep the message.
    case credentialsInvalid(reply: Reply)
    /// The destination itself is gone (a webhook endpoint's 410, which Standard Webhooks uses to ask the sender to
    /// disable it): pause and say why, keep the message, and never blame the recipient.
    case destinationGone(reply: Reply)
    /// The recipient cannot be reached on this channel now (no chat open): the core parks the message without
    /// spending an attempt until the plugin reports them reachable (`Fact.reachable`), or until its `expires_at`
    /// or the channel's `max_wait` passes; then it moves along its fallback route or ends `expired`.
    case notReachableNow(reply: Reply)
    /// This path to the recipient is closed (a conversation ended, a messaging window shut): the message moves to
    /// its fallback route, or fails without one; nothing is suppressed, since the person is not gone.
    case notReachableHere(reply: Reply)

    public var reply: Reply {
        switch self {
        case .delivered(_, let reply), .transient(let reply, _), .throttled(let reply, _), .permanent(let reply),
            .recipientInvalid(let reply), .credentialsInvalid(let reply), .destinationGone(let reply),
            .notReachableNow(let reply), .notReachableHere(let reply):
            return reply
        }
    }

    /// The same outcome with other words from the peer (the core masks and shortens them before storing).
    public func replacingReply(_ reply: Reply) -> Outcome {
        switch self {
        case .delivered(let providerID, _): .delivered(providerID: providerID, reply: reply)
        case .transient(_, let hint): .transient(reply: reply, retryAfter: hint)
        case .throttled(_, let hint): .throttled(reply: reply, retryAfter: hint)
        case .permanent: .permanent(reply: reply)
        case .recipientInvalid: .recipientInvalid(reply: reply)
        case .credentialsInvalid: .credentialsInvalid(reply: reply)
        case .destinationGone: .destinationGone(reply: reply)
        case .notReachableNow: .notReachableNow(reply: reply)
        case .notReachableHere: .notReachableHere(reply: reply)
        }
    }

    /// A stable label for logs and metrics.
    public var label: String {
        switch self {
        case .delivered: "delivered"
        case .transient: "transient"
        case .throttled: "throttled"
        case .permanent: "permanent"
        case .recipientInvalid: "recipient_invalid"
        case .credentialsInvalid: "credentials_invalid"
        case .destinationGone: "destination_gone"
        case .notReachableNow: "not_reachable_now"
        case .notReachableHere: "not_reachable_here"
        }
    }
}
