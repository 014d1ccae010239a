import Synchronization

/// Per-recipient-domain rates of one channel (`domain_rate`, `default_domain_rate`), on top of the channel's own
/// rate: a mailbox provider that allows 50 messages a second gets no more, however fast the relay is. A message
/// over its domain's budget is not sent and not counted as an attempt: it goes back to the queue until the
/// domain's next token, and the domain is held so claims pass over its messages meanwhile (no churn). A channel
/// mails many thousand domains, most of them once: buckets that have refilled (the same as a new one) are dropped
/// once a minute, and holds that have passed at every `held`, so memory follows the busy domains only.
///
/// With shared budgets (`RateBudgets`, several hosts) a domain's tokens are leased from the cluster's budget in
/// chunks, one round trip for every domain of a batch that needs more; leases whose time has passed a minute ago
/// are dropped with the idle buckets (their tokens go unspent: never more than the rate). When the database cannot
/// lease, the local buckets decide, as on one host.
final class DomainLimiter: Sendable {
    private struct State {
        var buckets: [String: TokenBucket] = [:]
        var leased: [String: LeasedTokens] = [:]
        var heldUntil: [String: Int64] = [:]
        /// When idle buckets were last dropped (ms).
        var sweptAt: Int64 = .min
    }

    /// How often `admit` drops idle buckets: one pass over the map a minute costs little at any size.
    static let sweepInterval: Int64 = 60_000

    private let rates: [String: Double]
    private let fallback: Double?
    private let state = Mutex(State())
    private let shared: (budgets: any RateBudgets, channel: String)?

    /// Nil when the channel limits no domain.
    init?(rates: [String: Double], fallback: Double?, shared: (budgets: any RateBudgets, channel: String)? = nil) {
        guard !rates.isEmpty || fallback != nil else { return nil }
        self.rates = rates
        self.fallback = fallback
        self.shared = shared
    }

    /// `admit` for each of a batch's domains, in order: with shared budgets, what the batch needs beyond the
    /// tokens in hand is leased in one round trip first.
    func admit(domains: [String?], now: Int64, clock: ContinuousClock.Instant = .now) -> [Int64?] {
        guard let shared else { return domains.map { admit(domain: $0, now: now, clock: clock) } }
        return state.withLock { state in
            sweep(&state, now: now, clock: clock)
            var needed: [String: Int] = [:]
            for case let domain? in domains where rate(of: domain) != nil { needed[domain, default: 0] += 1 }
            var requests: [(domain: String, key: String, count: Int, rate: Double)] = []
            for (domain, count) in needed.sorted(by: { $0.key < $1.key }) {
                guard let rate = rate(of: domain), (state.heldUntil[domain] ?? .min) <= now else { continue }
                let have = state.leased[domain]?.available ?? 0
                guard have < count else { continue }
                // One chunk, as the local bucket's burst: what the batch has beyond it goes back to the queue.
                requests.append((domain, "domain:\(shared.channel):\(domain)", LeasedTokens.chunk(rate: rate), rate))
            }
            var leasing = true
            if !requests.isEmpty {
                do {
                    let waits = try shared.budgets.lease(requests.map { ($0.key, $0.count, $0.rate) })
                    for (request, wait) in zip(requests, waits) {
                        state.leased[request.domain, default: LeasedTokens()].add(request.count, wait: wait, now: now)
                    }
                } catch {
                    leasing = false
                }
            }
            return domains.map { domain -> Int64? in
                guard let domain, let rate = rate(of: domain) else { return nil }
                guard leasing else { return take(&state, domain: domain, rate: rate, now: now, clock: clock) }
                if let until = state.heldUntil[domain], until > now { return until }
                var tokens = state.leased[domain] ?? LeasedTokens()
                let until: Int64
                if tokens.available > 0, tokens.usableAt <= now {
                    tokens.available -= 1
                    state.leased[domain] = tokens
                    return nil
                } else if tokens.available > 0 {
                    until = tokens.usableAt
                } else {
                    // More of this domain than the lease covered: the rest of the batch waits for the next chunk.
                    until = now + max(1, Int64((1000 / rate).rounded(.up)))
                }
                state.heldUntil[domain] = max(state.heldUntil[domain] ?? 0, until)
                return until
            }
        }
    }

    private func rate(of domain: String) -> Double? {
        rates[domain] ?? fallback
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
        guard let domain, let rate = rate(of: domain) else { return nil }
        return state.withLock { state -> Int64? in
            sweep(&state, now: now, clock: clock)
            return take(&state, domain: domain, rate: rate, now: now, clock: clock)
        }
    }

    /// Once a minute: buckets that have refilled, and leases whose time passed a minute ago, go.
    private func sweep(_ state: inout State, now: Int64, clock: ContinuousClock.Instant) {
        guard state.sweptAt <= now - Self.sweepInterval else { return }
        state.sweptAt = now
        state.buckets = state.buckets.filter { !$0.value.isFull(now: clock) }
        state.leased = state.leased.filter { $0.value.usableAt > now - Self.sweepInterval }
    }

    private func take(_ state: inout State, domain: String, rate: Double, now: Int64, clock: ContinuousClock.Instant) -> Int64? {
        var bucket = state.buckets[domain] ?? TokenBucket(rate: rate, now: clock)
        let wait = bucket.tryTake(now: clock)
        state.buckets[domain] = bucket
        guard wait > .zero else { return nil }
        let until = now + max(1, wait.milliseconds)
        state.heldUntil[domain] = max(state.heldUntil[domain] ?? 0, until)
        return until
    }

    /// How many domains have a bucket or a hold in memory.
    var trackedDomains: Int {
        state.withLock { Set($0.buckets.keys).union($0.heldUntil.keys).union($0.leased.keys).count }
    }
}
