import HeraldPluginAPI

/// What the core does with one outcome: the message's state machine as a pure function (STYLE 10), so every
/// transition is tested without I/O. The lane applies the decision; nothing here sleeps or writes.
public enum OutcomeDecision: Sendable, Equatable {
    case delivered
    /// Try again at this time (ms since epoch).
    case retry(at: Int64)
    /// Give up: dead letter.
    case fail(reason: String)
    /// Its `expires_at` passed before it could go out.
    case expire
    /// The channel's credentials failed, or its destination is gone: keep the message, without counting the
    /// attempt, until `at`.
    case hold(at: Int64)
    /// The recipient is not reachable now: wait for them, without counting the attempt, until `until` at most
    /// (its `expires_at` or the channel's `max_wait` from `since`, when the wait began).
    case park(until: Int64, since: Int64)
    /// The recipient stayed unreachable until the wait ended: the fallback route, else expired.
    case waitedOut(reason: String)

    public struct Context: Sendable {
        /// The attempt that produced the outcome, 1-based.
        public var attempt: Int
        public var createdAt: Int64
        public var expiresAt: Int64?
        public var now: Int64
        public var retry: RetryPolicy
        public var credentialsPause: Duration
        /// A random number in 0..<1 for the jitter.
        public var jitter: Double
        /// When the message began waiting for its recipient on this channel, if it has.
        public var waitingSince: Int64? = nil
        /// The channel's `max_wait`: how long a message waits for an unreachable recipient.
        public var maxWait: Duration = .seconds(86_400)

        public init(
            attempt: Int, createdAt: Int64, expiresAt: Int64?, now: Int64, retry: RetryPolicy,
            credentialsPause: Duration, jitter: Double, waitingSince: Int64? = nil, maxWait: Duration = .seconds(86_400)
        ) {
            self.attempt = attempt
            self.createdAt = createdAt
            self.expiresAt = expiresAt
            self.now = now
            self.retry = retry
            self.credentialsPause = credentialsPause
            self.jitter = jitter
            self.waitingSince = waitingSince
            self.maxWait = maxWait
        }
    }

    public static func decide(_ outcome: Outcome, _ context: Context) -> OutcomeDecision {
        switch outcome {
        case .delivered:
            return .delivered
        case .permanent(let reply):
            return .fail(reason: "permanent: \(reply)")
        case .recipientInvalid(let reply):
            return .fail(reason: "recipient invalid: \(reply)")
        case .credentialsInvalid, .destinationGone:
            return .hold(at: context.now + context.credentialsPause.milliseconds)
        case .notReachableHere(let reply):
            return .fail(reason: "not reachable here: \(reply)")
        case .notReachableNow:
            let since = context.waitingSince ?? context.now
            let waited = since + context.maxWait.milliseconds
            let until = context.expiresAt.map { Swift.min($0, waited) } ?? waited
            guard context.now < until else {
                return .waitedOut(
                    reason: until == context.expiresAt
                        ? "expires_at passed while the recipient was not reachable"
                        : "not reachable for max_wait (\(DurationText.format(context.maxWait)))")
            }
            return .park(until: until, since: since)
        case .transient(let reply, let hint), .throttled(let reply, let hint):
            let delay = hint ?? context.retry.backoff(afterAttempt: context.attempt, unit: context.jitter)
            let next = context.now + Swift.max(delay.milliseconds, 0)
            if let expiresAt = context.expiresAt, next >= expiresAt { return .expire }
            if next > context.createdAt + context.retry.maxAge.milliseconds {
                return .fail(
                    reason: "gave up after \(context.attempt) attempts over \(DurationText.format(context.retry.maxAge)): \(reply)")
            }
            return .retry(at: next)
        }
    }
}
