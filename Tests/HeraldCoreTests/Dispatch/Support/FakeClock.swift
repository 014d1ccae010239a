import Synchronization

@testable import HeraldCore

/// Time that moves only when a test says so: what the dispatch core decides with (due times, holds, probes).
/// Its waits stay on real time, so a test moves the clock and then rings the lanes.
final class FakeClock: Sendable {
    /// An arbitrary fixed start (2023-11-14), far from zero so nothing mistakes it for "unset".
    static let start: Int64 = 1_700_000_000_000

    private let millis = Atomic<Int64>(start)

    var now: Int64 { millis.load(ordering: .sequentiallyConsistent) }

    func advance(to value: Int64) {
        millis.store(value, ordering: .sequentiallyConsistent)
    }

    var source: TimeSource { TimeSource(now: { self.now }) }
}
