import Synchronization

/// Per-recipient-domain rates of one channel (`domain_rate`, `default_domain_rate`), on top of the channel's own
/// rate: a mailbox provider that allows 50 messages a second gets no more, however fast the relay is. A message
/// over its domain's budget is not sent and not counted as an attempt: it goes back to the queue until the
/// domain's next token, and the domain is held so claims pass over its messages meanwhile (no churn). A channel
/// mails many thousand domains, most of them once: buckets that have refilled (the same as a new one) are dropped
/// once a minute, and holds that have passed at every `held`, so memory follows the busy domains only.
final class DomainLimiter: Sendable {
    private struct State {
        var buckets: [String: TokenBucket] = [:]
        var heldUntil: [String: Int64] = [:]
        /// When idle buckets were last dropped (ms).
        var sweptAt: Int64 = .min
    }

    /// How often `admit` drops idle buckets: one pass over the map a minute costs little at any size.
    static let sweepInterval: Int64 = 60_000

    private let rates: [String: Double]
    private let fallback: Double?
    private let state = Mutex(State())

    /// Nil when the channel limits no domain.
    init?(rates: [String: Double], fallback: Double?) {
        guard !rates.isEmpty || fallback != nil else { return nil }
        self.rates = rates
        self.fallback = fallback
    }

    /// The domains held at `now`, for the claim to pass over.
    func held(now: Int64) -> [String] {
        state.withLock { state in
            state.heldUntil = state.heldUntil.filter { $0.value > now }
            return Array(state.heldUntil.keys)
        }
    }

    /// Spends the domain's token and returns nil, or returns when the message may go (and holds the domain
    /// until then) when the domain's budget is spent.
    /// `clock` is the buckets' time (tests pass a later one to see idle buckets go).
    func admit(domain: String?, now: Int64, clock: ContinuousClock.Instant = .now) -> Int64? {
        guard let domain, let rate = rates[domain] ?? fallback else { return nil }
        return state.withLock { state -> Int64? in
            if state.sweptAt <= now - Self.sweepInterval {
                state.sweptAt = now
                state.buckets = state.buckets.filter { !$0.value.isFull(now: clock) }
            }
            var bucket = state.buckets[domain] ?? TokenBucket(rate: rate, now: clock)
            let wait = bucket.tryTake(now: clock)
            state.buckets[domain] = bucket
            guard wait > .zero else { return nil }
            let until = now + max(1, wait.milliseconds)
            state.heldUntil[domain] = max(state.heldUntil[domain] ?? 0, until)
            return until
        }
    }

    /// How many domains have a bucket or a hold in memory.
    var trackedDomains: Int {
        state.withLock { Set($0.buckets.keys).union($0.heldUntil.keys).count }
    }
}
