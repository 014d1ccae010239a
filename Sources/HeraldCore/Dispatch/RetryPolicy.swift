/// When to try a message again (DESIGN §6): exponential backoff with jitter between `retry.min` and a cap that
/// doubles per attempt up to `retry.max`; the server's `Retry-After` wins; nothing after `max_age` or `expires_at`.
public struct RetryPolicy: Sendable, Equatable {
    public var min: Duration
    public var max: Duration
    public var maxAge: Duration
    /// Consecutive transient outcomes after which a destination is down (`DestinationHealth`).
    public var deadAfter: Int

    public init(min: Duration, max: Duration, maxAge: Duration, deadAfter: Int = 10) {
        self.min = min
        self.max = max
        self.maxAge = maxAge
        self.deadAfter = deadAfter
    }

    /// The delay after `attempt` (1-based) failed. `unit` is a random number in 0..<1, passed in so tests are exact.
    public func backoff(afterAttempt attempt: Int, unit: Double) -> Duration {
        let minMs = Double(min.milliseconds)
        let cap = Swift.min(Double(max.milliseconds), minMs * pow2(Swift.max(0, attempt - 1)))
        return .milliseconds(Int64(minMs + (cap - minMs) * unit))
    }

    private func pow2(_ exponent: Int) -> Double {
        exponent >= 62 ? Double.greatestFiniteMagnitude : Double(1 << exponent)
    }
}
