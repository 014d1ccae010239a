import HeraldPluginAPI
import Logging

/// A channel's `rate`, spent by its lane before each plugin call: this host's token bucket, or, with shared
/// budgets (`RateBudgets`), chunks leased from the cluster's. When the database cannot lease, the chunk in
/// hand goes at the local rate (the claimed rows must go out before their leases run out) and the error is logged
/// once per outage: the only time the cluster's rate can be exceeded, by what one host holds.
struct ChannelRate: Sendable {
    private var bucket: TokenBucket
    private let shared: (budgets: any RateBudgets, key: String)?
    private var leased = LeasedTokens()
    private var failing = false
    let rate: Double

    init(rate: Double, channel: String, budgets: (any RateBudgets)?) {
        self.rate = rate
        bucket = TokenBucket(rate: rate)
        shared = budgets.map { ($0, "channel:" + channel) }
    }

    /// The most a plugin call may send at once under this rate.
    var burst: Double { bucket.burst }

    /// Waits until `count` tokens may be spent, and spends them. On real time, whatever clock the lane decides
    /// with: the waits are real.
    mutating func spend(_ count: Int, logger: Logger) async {
        let wait = take(count, now: Clock.nowMillis(), logger: logger)
        if wait > .zero { try? await Task.sleep(for: wait) }
    }

    mutating func take(_ count: Int, now: Int64, logger: Logger) -> Duration {
        guard let shared else { return bucket.take(count) }
        if leased.available < count {
            let chunk = max(count - leased.available, LeasedTokens.chunk(rate: rate))
            do {
                let wait = try shared.budgets.lease([(shared.key, chunk, rate)]).first ?? 0
                leased.add(chunk, wait: wait, now: now)
                if failing { logger.notice("rate budget \(shared.key): leasing from the database again") }
                failing = false
            } catch {
                if !failing {
                    logger.error("rate budget \(shared.key): cannot lease from the database (\(error)); this host spends at the channel's rate until it can")
                }
                failing = true
                return bucket.take(count)
            }
        }
        leased.available -= count
        return .milliseconds(max(0, leased.usableAt - now))
    }
}
