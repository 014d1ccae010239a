/// Deliveries waiting to fill a batch on a channel with `batch_linger`, grouped by the plugin's batch key. A group
/// goes as soon as it holds `batch` items, or once its oldest item has waited `linger`; until then its rows stay
/// in flight in the queue, so a crash loses nothing (the next start requeues them).
struct LingerBuffer<Item> {
    private struct Group {
        var items: [Item] = []
        /// When each item joined (ms), in order: the first is the oldest still waiting.
        var joined: [Int64] = []
        /// Who each item is about, for `cancel` (nil: not comparable).
        var members: [String?] = []
        var since: Int64? { joined.first }
    }

    let batch: Int
    let linger: Int64
    private var groups: [String: Group] = [:]
    /// Keys in the order their groups formed, so the oldest group goes first.
    private var order: [String] = []
    private(set) var count = 0

    init(batch: Int, linger: Int64) {
        self.batch = max(1, batch)
        self.linger = linger
    }

    mutating func add(_ item: Item, key: String, member: String? = nil, now: Int64) {
        if groups[key] == nil {
            groups[key] = Group()
            order.append(key)
        }
        groups[key]?.items.append(item)
        groups[key]?.joined.append(now)
        groups[key]?.members.append(member)
        count += 1
    }

    /// Takes out the oldest item waiting under `key` about `member`, if any.
    mutating func cancel(key: String, member: String) -> Item? {
        guard let index = groups[key]?.members.firstIndex(of: member), let item = groups[key]?.items[index] else { return nil }
        groups[key]?.items.remove(at: index)
        groups[key]?.joined.remove(at: index)
        groups[key]?.members.remove(at: index)
        count -= 1
        if groups[key]?.items.isEmpty == true {
            groups[key] = nil
            order.removeAll { $0 == key }
        }
        return item
    }

    /// Up to `limit` batches that may go now: full ones first, then groups whose oldest item has lingered long
    /// enough (all of them when `flush`), oldest group first. A batch never holds two keys.
    mutating func take(now: Int64, limit: Int, flush: Bool = false) -> [[Item]] {
        var out: [[Item]] = []
        for key in order where out.count < limit {
            while out.count < limit, let group = groups[key], group.items.count >= batch {
                out.append(Array(group.items.prefix(batch)))
                groups[key]?.items.removeFirst(batch)
                groups[key]?.joined.removeFirst(batch)
                groups[key]?.members.removeFirst(batch)
                count -= batch
            }
        }
        for key in order where out.count < limit {
            guard let group = groups[key], let since = group.since, flush || since + linger <= now else { continue }
            out.append(group.items)
            groups[key] = Group()
            count -= group.items.count
        }
        for key in order where groups[key]?.items.isEmpty ?? true { groups[key] = nil }
        order.removeAll { groups[$0] == nil }
        // What is left of a group that sent full batches waits from its own oldest item on: a tail that joined
        // just now is not sent short at the deadline of the items that already left.
        return out
    }

    /// When the oldest waiting group is due; nil when nothing waits.
    var nextDeadline: Int64? {
        order.compactMap { groups[$0]?.since.map { $0 + linger } }.min()
    }

    /// Everything waiting, emptied: for a stopping lane to hand back to the queue.
    mutating func drainAll() -> [Item] {
        let items = order.flatMap { groups[$0]?.items ?? [] }
        groups = [:]
        order = []
        count = 0
        return items
    }
}
