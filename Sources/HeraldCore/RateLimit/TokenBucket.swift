/// A token bucket that answers "how long until I may send `n` more" instead of sleeping itself: the lane that owns
/// it decides how to wait. Tokens may go negative (a debt), so a batch larger than the burst still goes out at the
/// configured average rate.
public struct TokenBucket: Sendable {
    public var rate: Double
    public var burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    /// - Parameters: rate: tokens per second; burst: the most that may go out at once after a quiet spell.
    public init(rate: Double, burst: Double? = nil, now: ContinuousClock.Instant = .now) {
        self.rate = rate
        self.burst = max(1, burst ?? max(1, rate / 10))
        tokens = self.burst
        last = now
    }

    /// Takes `count` tokens and returns how long the caller must wait before using them (zero when available).
    public mutating func take(_ count: Int, now: ContinuousClock.Instant = .now) -> Duration {
        let elapsed = last.duration(to: now)
        last = now
        tokens = min(burst, tokens + elapsed.seconds * rate)
        tokens -= Double(count)
        guard tokens < 0 else { return .zero }
        return .milliseconds(Int64((-tokens / rate * 1000).rounded(.up)))
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
