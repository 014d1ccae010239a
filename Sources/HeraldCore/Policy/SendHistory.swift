import Synchronization

/// The delivered marketing that frequency caps count, per recipient identity: what the store's `sent` table holds,
/// plus the sends not written to it yet. Sends are written in batches at most every `writeDelay`, not with every
/// recorder flush: each row lands on a random page of the identity index, so writing a few rows per commit cost
/// a page write per send, about a tenth of the delivery throughput in the drain bench. Until written they are
/// counted from memory, so caps stay exact while the process runs; a crash forgets at most `writeDelay` of
/// sends, which can let one more message through a cap after the restart.
///
/// The recent-senders filter spares the store read for identities not mailed inside the window.
final class SendHistory: Sendable {
    typealias Send = (identity: String, channel: String, at: Int64)

    /// How long a send may wait in memory before it is written (ms), and how many may wait at most.
    static let writeDelay: Int64 = 500
    static let writeBatch = 20_000

    private struct Pending {
        var waiting: [String: [(channel: String, at: Int64)]] = [:]
        var count = 0
        /// When the oldest waiting send was recorded (ms).
        var since: Int64 = 0
        /// The batch being written: still counted from memory until its commit is done.
        var writing: [String: [(channel: String, at: Int64)]] = [:]
    }

    /// How far back caps look (ms): the longest cap window.
    let window: Int64
    private let store: SuppressionStore
    private let recent: RecentSenders?
    private let pending = Mutex(Pending())

    /// Starts the recent-senders filter from the store's sends inside the window. When they cannot be read there is
    /// no filter, and every cap check reads the store: slower, never wrong.
    init(store: SuppressionStore, window: Int64, now: Int64) {
        self.store = store
        self.window = window
        let senders = RecentSenders(window: window, now: now)
        if let identities = try? store.identities(since: now - window) {
            for identity in identities { senders.insert(identity, now: now) }
            recent = senders
        } else {
            recent = nil
        }
    }

    /// Counts delivered marketing messages from now on; `write` puts them in the store later.
    func record(_ sends: [Send]) {
        guard let first = sends.first else { return }
        for send in sends { recent?.insert(send.identity, now: send.at) }
        pending.withLock { pending in
            if pending.count == 0 { pending.since = first.at }
            for send in sends { pending.waiting[send.identity, default: []].append((send.channel, send.at)) }
            pending.count += sends.count
        }
    }

    /// Each identity's sends since `now - window`, written or not.
    func sends(identities: some Sequence<String>, now: Int64) throws -> [String: [(channel: String, at: Int64)]] {
        let since = now - window
        let maybe = Set(identities.lazy.filter { self.recent?.mayContain($0, now: now) ?? true })
        guard !maybe.isEmpty else { return [:] }
        // Memory first, then the store: a batch committed in between is then counted twice (a cap may bind one
        // message early) rather than not at all.
        var result = pending.withLock { pending in
            var found: [String: [(channel: String, at: Int64)]] = [:]
            for identity in maybe {
                let sends = (pending.waiting[identity] ?? []) + (pending.writing[identity] ?? [])
                if !sends.isEmpty { found[identity] = sends.filter { $0.at >= since } }
            }
            return found
        }
        for (identity, sends) in try store.sent(identities: maybe, since: since) {
            result[identity, default: []].append(contentsOf: sends)
        }
        return result
    }

    /// Whether sends are waiting to be written; the recorder then wakes within `writeDelay` even when idle.
    var hasWaiting: Bool {
        pending.withLock { $0.count > 0 }
    }

    /// Writes the waiting sends when the oldest has waited `writeDelay`, enough have gathered, or `force` (at
    /// shutdown). A failed write keeps them waiting for a try `writeDelay` later.
    func write(now: Int64, force: Bool = false) throws {
        let batch = pending.withLock { pending -> [Send]? in
            guard pending.count > 0, pending.writing.isEmpty,
                force || pending.count >= Self.writeBatch || now - pending.since >= Self.writeDelay
            else { return nil }
            swap(&pending.waiting, &pending.writing)
            pending.count = 0
            return pending.writing.flatMap { identity, sends in sends.map { (identity, $0.channel, $0.at) } }
        }
        guard let batch else { return }
        do {
            try store.recordSent(batch, keepSince: now - window)
        } catch {
            pending.withLock { pending in
                for (identity, sends) in pending.writing { pending.waiting[identity, default: []].append(contentsOf: sends) }
                pending.count += batch.count
                // The next try comes a whole delay later, so a broken store is retried (and logged) twice a
                // second, not on every recorder flush.
                pending.since = now
                pending.writing = [:]
            }
            throw error
        }
        pending.withLock { $0.writing = [:] }
    }
}
