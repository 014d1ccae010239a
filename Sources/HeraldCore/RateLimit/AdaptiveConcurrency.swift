import Synchronization

/// A channel's in-flight limit that finds its own level (`adaptive_concurrency = true`), in the spirit of Vector's
/// adaptive request concurrency: additive increase while the peer keeps up, multiplicative decrease when it pushes
/// back or starts queueing. It only says how many deliveries may be in flight; the lane that owns it does the
/// counting and the waiting. No clock and no randomness: the same outcomes always give the same limits.
///
/// The rule, exactly:
/// - Outcomes are counted in observation windows. A window spans as many outcomes as the limit was when it began
///   (one round trip's worth); after a cut, the next window spans the limit from before the cut, so the answers of
///   requests already in flight land in it.
/// - Latency: only successes are timed. `ewma` is their moving average (α = 0.3); `baseline` is the lowest success
///   latency in the current window and the 8 windows before it.
/// - Cut: a throttled or transient outcome, or a success after which `ewma > 2 × baseline + 5 ms`, sets
///   `limit = max(1, limit / 2)` and opens a new window; there is at most one cut per window, so the rest of a bad
///   batch does not collapse the limit further.
/// - Raise: a window that ends without a cut (so it held only successes) and with `ewma ≤ 1.5 × baseline + 5 ms`
///   raises the limit by 1, up to `maximum`. Between the two thresholds the limit holds. The 5 ms keep loopback
///   jitter from counting as queueing.
public final class AdaptiveConcurrency: Sendable {
    public enum Outcome: Sendable, Equatable {
        case success, throttled, transient
    }

    private let state: Mutex<AIMDState>
    public let maximum: Int

    /// `initial` defaults to `min(4, maximum)`; both are clamped to at least 1.
    public init(maximum: Int, initial: Int? = nil) {
        let maximum = max(1, maximum)
        self.maximum = maximum
        state = Mutex(AIMDState(maximum: maximum, initial: min(maximum, max(1, initial ?? 4))))
    }

    /// Deliveries that may be in flight now.
    public var limit: Int {
        state.withLock { $0.limit }
    }

    /// The latency average and baseline the rule is working from (milliseconds), for metrics; nil before a success.
    public var latency: (ewma: Double, baseline: Int64)? {
        state.withLock { state in
            guard let ewma = state.ewma, let baseline = state.baseline else { return nil }
            return (ewma, baseline)
        }
    }

    public func record(outcome: Outcome, latencyMs: Int64) {
        state.withLock { $0.record(outcome, latencyMs: latencyMs) }
    }
}

/// The AIMD rule as a value, so tests can drive it outcome by outcome.
struct AIMDState: Sendable, Equatable {
    static let smoothing = 0.3
    static let cutRatio = 2.0
    static let raiseRatio = 1.5
    static let slackMs = 5.0
    static let baselineWindows = 8

    let maximum: Int
    private(set) var limit: Int
    private(set) var ewma: Double?
    private var windowLength: Int
    private var windowSeen = 0
    private var windowCut = false
    private var windowMin: Int64?
    private var earlierMins: [Int64] = []

    init(maximum: Int, initial: Int) {
        self.maximum = maximum
        limit = initial
        windowLength = initial
    }

    var baseline: Int64? {
        let earlier = earlierMins.min()
        guard let windowMin else { return earlier }
        return min(earlier ?? windowMin, windowMin)
    }

    mutating func record(_ outcome: AdaptiveConcurrency.Outcome, latencyMs: Int64) {
        windowSeen += 1
        switch outcome {
        case .success:
            let latency = max(0, latencyMs)
            let sample = Double(latency)
            ewma = ewma.map { $0 + Self.smoothing * (sample - $0) } ?? sample
            windowMin = min(windowMin ?? latency, latency)
            if !windowCut, let ewma, let baseline, ewma > Self.cutRatio * Double(baseline) + Self.slackMs {
                cut()
                return
            }
        case .throttled, .transient:
            if !windowCut {
                cut()
                return
            }
        }
        guard windowSeen >= windowLength else { return }
        if !windowCut, let ewma, let baseline, ewma <= Self.raiseRatio * Double(baseline) + Self.slackMs {
            limit = min(maximum, limit + 1)
        }
        openWindow(length: limit, cut: false)
    }

    private mutating func cut() {
        let before = limit
        limit = max(1, limit / 2)
        openWindow(length: before, cut: true)
    }

    private mutating func openWindow(length: Int, cut: Bool) {
        if let windowMin {
            earlierMins.append(windowMin)
            if earlierMins.count > Self.baselineWindows { earlierMins.removeFirst() }
        }
        windowLength = max(1, length)
        windowSeen = 0
        windowCut = cut
        windowMin = nil
    }
}
