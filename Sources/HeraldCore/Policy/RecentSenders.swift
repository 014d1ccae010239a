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
        let positions = Self.positions(identity)
        filters.withLock { filters in
            rotate(&filters, now: now)
            for bit in positions { filters.current[bit >> 6] |= 1 << UInt64(bit & 63) }
        }
    }

    func mayContain(_ identity: String, now: Int64) -> Bool {
        let positions = Self.positions(identity)
        return filters.withLock { filters in
            rotate(&filters, now: now)
            let inCurrent = positions.allSatisfy { filters.current[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
            return inCurrent || positions.allSatisfy { filters.previous[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
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
    /// here outlives the process.
    private static func positions(_ identity: String) -> [Int] {
        var hasher = Hasher()
        hasher.combine(identity)
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        let first = hash & 0xFFFF_FFFF
        let second = (hash >> 32) | 1
        return (0..<UInt64(probes)).map { Int((first &+ $0 &* second) % UInt64(bits)) }
    }
}
