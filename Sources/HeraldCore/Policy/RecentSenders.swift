import Synchronization

/// Which recipient identities may have had a marketing message inside the longest frequency-cap window: a pair
/// of Bloom filters (the current window and the one before), so the cap check reads the send history only for
/// recipients who might have one. Most messages go to people not mailed lately and skip that read. A "no" is
/// certain; a "maybe" is checked against the store. In memory only: rebuilt from the store at start.
final class RecentSenders: Sendable {
    private struct Filters {
        var current: [UInt64]
        var previous: [UInt64]
        /// The window boundary `current` began at (ms); it becomes `previous` at the next boundary.
        var since: Int64
    }

    private static let bits = 1 << 23  // 1 MiB a filter: ≈0.3% false positives at 500,000 identities
    private static let probes = 4
    private let window: Int64
    private let filters: Mutex<Filters>

    /// - Parameter window: the longest cap window, in ms. Every identity stays "maybe" for at least that long.
    init(window: Int64, now: Int64) {
        self.window = max(1, window)
        let empty = [UInt64](repeating: 0, count: Self.bits / 64)
        filters = Mutex(Filters(current: empty, previous: empty, since: now))
    }

    func insert(_ identity: String, now: Int64) {
        let probe = Probe(identity)
        filters.withLock { filters in
            rotate(&filters, now: now)
            for index in 0..<Self.probes {
                let bit = probe.bit(index)
                filters.current[bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
    }

    func mayContain(_ identity: String, now: Int64) -> Bool {
        let probe = Probe(identity)
        return filters.withLock { filters in
            rotate(&filters, now: now)
            return probe.isSet(in: filters.current) || probe.isSet(in: filters.previous)
        }
    }

    /// Filters turn over on fixed window boundaries, and every call rotates before it reads or writes, so
    /// `current` only holds inserts from [since, since + window). After one boundary they move to `previous` and
    /// live one more window (each entry at least a window in all); past two boundaries they are all too old.
    private func rotate(_ filters: inout Filters, now: Int64) {
        let steps = (now - filters.since) / window
        guard steps >= 1 else { return }
        filters.previous = steps == 1 ? filters.current : [UInt64](repeating: 0, count: Self.bits / 64)
        filters.current = [UInt64](repeating: 0, count: Self.bits / 64)
        filters.since += steps * window
    }

    /// Double hashing (Kirsch–Mitzenmacher) from one 64-bit hash: the process's Hasher seed is fine, nothing
    /// here outlives the process. Bits are computed as needed, so a probe allocates nothing.
    private struct Probe {
        let first: UInt64
        let second: UInt64

        init(_ identity: String) {
            var hasher = Hasher()
            hasher.combine(identity)
            let hash = UInt64(bitPattern: Int64(hasher.finalize()))
            first = hash & 0xFFFF_FFFF
            second = (hash >> 32) | 1
        }

        func bit(_ index: Int) -> Int {
            Int((first &+ UInt64(index) &* second) % UInt64(RecentSenders.bits))
        }

        func isSet(in filter: [UInt64]) -> Bool {
            for index in 0..<RecentSenders.probes {
                let bit = bit(index)
                if filter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            }
            return true
        }
    }
}
