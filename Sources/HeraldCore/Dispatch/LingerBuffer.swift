/// Deliveries waiting to fill a batch on a channel with `batch_linger`, grouped by the plugin's batch key. A group
/// goes as soon as it holds `batch` items, or once its oldest item has waited `linger`; until then its rows stay
/// in flight in the queue, so a crash loses nothing (the next start requeues them).
struct LingerBuffer<Item> {
    private struct Entry {
        var item: Item
        /// When it joined (ms).
        var joined: Int64
        /// Who it is about, for `cancel` (nil: not comparable).
        var member: String?
    }

    let batch: Int
    let linger: Int64
    /// Per key, in the order the entries joined: the first is the oldest still waiting.
    private var groups: [String: [Entry]] = [:]
    /// Keys in the order their groups formed, so the oldest group goes first.
    private var order: [String] = []
    private(set) var count = 0

    init(batch: Int, linger: Int64) {
        self.batch = max(1, batch)
        self.linger = linger
    }

    mutating func add(_ item: Item, key: String, member: String? = nil, now: Int64) {
        if groups[key] == nil { order.append(key) }
        groups[key, default: []].append(Entry(item: item, joined: now, member: member))
        count += 1
    }

    /// Takes out the oldest item waiting under `key` about `member`, if any.
    mutating func cancel(key: String, member: String) -> Item? {
        guard let index = groups[key]?.firstIndex(where: { $0.member == member }),
            let entry = groups[key]?.remove(at: index)
        else { return nil }
        count -= 1
        dropEmptyGroups()
        return entry.item
    }

    /// Up to `limit` batches that may go now: full ones first, then (when `lingered`) groups whose oldest item has
    /// lingered long enough, oldest group first. A batch never holds two keys. What is left of a group that sent
    /// full batches waits from its own oldest item on: a tail that joined just now is not sent short at the
    /// deadline of the items that already left.
    mutating func take(now: Int64, limit: Int, lingered: Bool = true) -> [[Item]] {
        var out: [[Item]] = []
        for key in order where out.count < limit {
            while out.count < limit, let entries = groups[key], entries.count >= batch {
                out.append(entries.prefix(batch).map(\.item))
                groups[key]?.removeFirst(batch)
                count -= batch
            }
        }
        for key in order where lingered && out.count < limit {
            guard let entries = groups[key], let oldest = entries.first, oldest.joined + linger <= now else { continue }
            out.append(entries.map(\.item))
            groups[key] = []
            count -= entries.count
        }
        dropEmptyGroups()
        return out
    }

    /// When the oldest waiting group is due; nil when nothing waits.
    var nextDeadline: Int64? {
        order.compactMap { groups[$0]?.first.map { $0.joined + linger } }.min()
    }

    /// Everything waiting, emptied: for a stopping lane to hand back to the queue.
    mutating func drainAll() -> [Item] {
        let items = order.flatMap { groups[$0]?.map(\.item) ?? [] }
        groups = [:]
        order = []
        count = 0
        return items
    }

    private mutating func dropEmptyGroups() {
        for key in order where groups[key]?.isEmpty ?? true { groups[key] = nil }
        order.removeAll { groups[$0] == nil }
    }
}
