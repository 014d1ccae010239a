import Synchronization

/// Per-recipient-domain rates of one channel (`domain_rate`, `default_domain_rate`), on top of the channel's own
/// rate: a mailbox provider that allows 50 messages a second gets no more, however fast the relay is. A message
/// over its domain's budget is not sent and not counted as an attempt: it goes back to the queue until the
/// domain's next token, and the domain is held so claims pass over its messages meanwhile (no churn).
final class DomainLimiter: Sendable {
    private struct State {
        var buckets: [String: TokenBucket] = [:]
        var heldUntil: [String: Int64] = [:]
    }

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
    func admit(domain: String?, now: Int64) -> Int64? {
        guard let domain, let rate = rates[domain] ?? fallback else { return nil }
        return state.withLock { state -> Int64? in
            var bucket = state.buckets[domain] ?? TokenBucket(rate: rate)
            let wait = bucket.tryTake()
            state.buckets[domain] = bucket
            guard wait > .zero else { return nil }
            let until = now + max(1, wait.milliseconds)
            state.heldUntil[domain] = max(state.heldUntil[domain] ?? 0, until)
            return until
        }
    }
}
