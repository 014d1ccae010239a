/// Rate budgets several hosts spend together (`[database]`): a channel's `rate` and its domain rates hold for
/// the cluster, not for each host. A host leases its tokens in chunks and spends them locally (`LeasedTokens`);
/// the budget hands out chunks on one timeline per key at the key's rate, so they never overlap.
///
/// The bound: a chunk's tokens may all go at its start, and each host holds at most one chunk unspent, so in any
/// window of `w` seconds the cluster sends at most `rate × w + (hosts + 1) × chunk`; over a long run, the rate.
public protocol RateBudgets: Sendable {
    /// Leases `count` tokens from each key's budget at `rate` a second, in one round trip; for each request, in
    /// order, how long (ms) until its tokens may be spent.
    func lease(_ requests: [(key: String, count: Int, rate: Double)]) throws -> [Int64]
}

/// A host's unspent share of a shared budget: `available` tokens, spendable from `usableAt` (ms, on the caller's
/// clock).
struct LeasedTokens: Sendable {
    var available = 0
    var usableAt: Int64 = .min

    /// The tokens a chunk holds for a rate: a tenth of a second of it, as the local bucket's burst.
    static func chunk(rate: Double) -> Int {
        max(1, Int(rate / 10))
    }

    /// Adds a lease of `count` tokens spendable `wait` ms after `now`: spendable only when both are.
    mutating func add(_ count: Int, wait: Int64, now: Int64) {
        available += count
        usableAt = max(usableAt, now + max(0, wait))
    }
}
