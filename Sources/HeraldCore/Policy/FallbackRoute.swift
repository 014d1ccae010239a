import HeraldPluginAPI

/// Where a message goes when its current channel cannot deliver it (DESIGN §1 Routing): the next channel of its
/// route, which is the message's own `fallback` list or else the channel's configured default. The route is a
/// sequence after the message's first channel, so a message moves forward only and is never on two channels at
/// once: moving it is one update of its one queue row.
public enum FallbackRoute {
    /// Why a message may move on.
    public enum Cause: Sendable, Equatable {
        case outcome(Outcome)
        /// The recipient is suppressed on this channel.
        case suppressed
    }

    /// The channel after `current` on the message's route, or nil at its end.
    public static func next(after current: String, first: String, route: [String]) -> String? {
        if current == first { return route.first { $0 != first } }
        guard let index = route.firstIndex(of: current) else { return nil }
        return route[(index + 1)...].first { $0 != first && $0 != current }
    }

    /// Whether `cause` moves a message on: permanent failures (a plugin reports a missing address for its channel
    /// this way), invalid recipients, a closed path, a recipient who stayed unreachable, suppression, and transient failures once `after` attempts have been spent
    /// (never, when `after` is nil). Credential problems and throttling are the channel's trouble, not the
    /// message's: it waits instead.
    public static func moves(_ cause: Cause, attempt: Int, after: Int?) -> Bool {
        switch cause {
        case .suppressed: return true
        case .outcome(let outcome):
            switch outcome {
            case .permanent, .recipientInvalid, .notReachableHere: return true
            // Only once the wait for the recipient is over (`OutcomeDecision.waitedOut`).
            case .notReachableNow: return true
            case .transient: return after.map { attempt >= $0 } ?? false
            case .delivered, .throttled, .credentialsInvalid, .destinationGone: return false
            }
        }
    }
}
