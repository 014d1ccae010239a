/// A token bucket that answers "how long until I may send `n` more" instead of sleeping itself: the lane that owns
/// it decides how to wait. Tokens may go negative (a debt), so a batch larger than the burst still goes out at the
/// configured average rate.
public struct TokenBucket: Sendable {
    public var rate: Double
    public var burst: Double
    private(set) var tokens: Double
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

    /// Whether the bucket has refilled to its burst by `now`: it is then the same as a new one, so a holder of
    /// many buckets (one per recipient domain) may drop it and start a new one on the next use.
    public func isFull(now: ContinuousClock.Instant = .now) -> Bool {
        tokens + max(0, last.duration(to: now).seconds) * rate >= burst
    }
}

extension TokenBucket {
    /// Takes one token if one is there and returns zero; otherwise takes nothing and returns how long until one
    /// will be. For limits that turn work away (and hand it back to the queue) instead of running into debt.
    public mutating func tryTake(now: ContinuousClock.Instant = .now) -> Duration {
        let wait = take(1, now: now)
        if wait > .zero { refund(1) }
        return wait
    }

    mutating func refund(_ count: Int) {
        tokens += Double(count)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
