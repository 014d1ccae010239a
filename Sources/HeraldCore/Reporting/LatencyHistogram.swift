#if canImport(Glibc)
import Glibc
#endif

/// Delivery latencies as counts in fixed, log-spaced buckets: 20 per decade from 1 ms to 63 s (each bound about
/// 12 % above the one before), plus one bucket for 0–1 ms and one for everything slower. Fixed bounds make
/// histograms of different hours and channels add up by bucket number, so the ledger stores only (bucket, count)
/// rows and a percentile over any window is a sum and a walk. Not exact: a percentile is known to within the width
/// of its bucket, and is interpolated linearly inside it (as Prometheus's `histogram_quantile` does).
public struct LatencyHistogram: Sendable, Equatable {
    /// Buckets per factor of ten.
    static let perDecade = 20
    /// Upper bounds in milliseconds; bucket `i` holds latencies in `(bounds[i-1], bounds[i]]`, bucket 0 `[0, 1]`.
    static let bounds: [Double] = (0...96).map { pow(10, Double($0) / Double(perDecade)) }
    /// The bucket above the last bound (slower than about 63 s).
    static let overflow = bounds.count

    public private(set) var counts: [Int: Int] = [:]

    public init(counts: [Int: Int] = [:]) {
        self.counts = counts
    }

    public var total: Int { counts.values.reduce(0, +) }

    public mutating func add(milliseconds: Int64, count: Int = 1) {
        counts[Self.bucket(milliseconds: milliseconds), default: 0] += count
    }

    public mutating func add(bucket: Int, count: Int) {
        guard bucket >= 0, bucket <= Self.overflow, count > 0 else { return }
        counts[bucket, default: 0] += count
    }

    /// The bucket of a latency: the first whose upper bound is at least `milliseconds`.
    public static func bucket(milliseconds: Int64) -> Int {
        let value = Double(max(0, milliseconds))
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] >= value { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The latency below which `quantile` (0…1) of the observations fall, in milliseconds; nil when empty.
    /// Observations in the overflow bucket are reported at its lower bound.
    public func percentile(_ quantile: Double) -> Double? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = min(max(quantile, 0), 1) * Double(total)
        var below = 0
        for bucket in counts.keys.sorted() {
            let count = counts[bucket] ?? 0
            if Double(below + count) >= rank, count > 0 {
                guard bucket < Self.overflow else { return Self.bounds[Self.bounds.count - 1] }
                let lower = bucket == 0 ? 0 : Self.bounds[bucket - 1]
                let upper = Self.bounds[bucket]
                return lower + (upper - lower) * max(0, rank - Double(below)) / Double(count)
            }
            below += count
        }
        return Self.bounds[Self.bounds.count - 1]
    }
}
