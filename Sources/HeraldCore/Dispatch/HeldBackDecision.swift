/// What becomes of one claimed message that `DestinationHealth` keeps from a down destination: a pure function
/// (STYLE 10), so the choice between moving on, giving up and waiting is tested without I/O. The lane turns the
/// decision into a fallback, a dead letter or a release; nothing here reads a clock or the queue.
enum HeldBackDecision: Sendable, Equatable {
    /// Back to the queue without spending an attempt, due at `until` (the destination's next probe).
    case release(until: Int64)
    /// Along the fallback route to `next`: the destination has been down for `fallback_after_down`.
    case fallback(next: String)
    /// Dead letter: the message outlived `retry.max_age` while its destination was down.
    case giveUp

    struct Context: Sendable {
        var now: Int64
        /// When the message may be looked at again, from `DestinationHealth.admit`.
        var until: Int64
        /// Since when the destination is down; nil: not down, only full while ramping up.
        var downSince: Int64?
        var createdAt: Int64
        var maxAge: Duration
        /// The channel's `fallback_after_down`; nil: messages wait for the destination.
        var fallbackAfterDown: Duration?
    }

    /// `nextRoute` is asked only when the destination has been down long enough, as the lane did before.
    static func decide(_ context: Context, nextRoute: () -> String?) -> HeldBackDecision {
        if let after = context.fallbackAfterDown, let since = context.downSince,
            context.now - since >= after.milliseconds, let next = nextRoute()
        {
            return .fallback(next: next)
        }
        // A full ramp is no outage: only a down destination ends a message at its max age.
        if context.downSince != nil, context.now > context.createdAt + context.maxAge.milliseconds { return .giveUp }
        return .release(until: context.until)
    }
}
