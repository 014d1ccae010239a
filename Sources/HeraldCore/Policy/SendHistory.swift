import Synchronization

/// The delivered marketing that frequency caps count, per recipient identity: what the store's `sent` table holds,
/// plus the sends not written to it yet. Sends are written in batches at most every `writeDelay`, not with every
/// recorder flush: each row lands on a random page of the identity index, so writing a few rows per commit cost
/// a page write per send, about a tenth of the delivery throughput in the drain bench. Until written they are
/// counted from memory, so caps stay exact while the process runs; a crash forgets at most `writeDelay` of
/// sends, which can let one more message through a cap after the restart.
///
/// A message that passes the cap is *reserved* at once and counts from then on, so a batch for the same
/// recipient on another channel, checked while this one is still being sent, sees it; its outcome then turns the
/// reservation into a send or drops it.
///
/// The recent-senders filter spares the store read for identities not mailed inside the window.
final class SendHistory: Sendable {
    typealias Send = (identity: String, channel: String, at: Int64)
    /// One message: `id` is its queue id, unique among messages in flight.
    typealias Reservation = (id: String, identity: String, channel: String, at: Int64)

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
        /// After a failed write, no other is tried before this (ms), however many sends wait; except at stop.
        var retryAt: Int64 = .min
        /// Messages that passed the cap and are being sent, by identity.
        var reserved: [String: [(id: String, channel: String, at: Int64)]] = [:]

        mutating func append(_ send: Send) {
            if count == 0 { since = send.at }
            waiting[send.identity, default: []].append((send.channel, send.at))
            count += 1
        }
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

    /// Counts messages that passed the cap as sent while they are being sent.
    func reserve(_ reservations: [Reservation]) {
        guard !reservations.isEmpty else { return }
        for reservation in reservations { recent?.insert(reservation.identity, now: reservation.at) }
        pending.withLock { pending in
            for reservation in reservations {
                pending.reserved[reservation.identity, default: []].append((reservation.id, reservation.channel, reservation.at))
            }
        }
    }

    /// Ends reservations: a delivered message becomes a send at `now` (`write` puts it in the store later), any
    /// other outcome (or none: the message was held back) frees its place. In one step, so no check sees the
    /// message counted twice or not at all.
    func settle(_ outcomes: [(id: String, identity: String, delivered: Bool)], now: Int64) {
        guard !outcomes.isEmpty else { return }
        pending.withLock { pending in
            for outcome in outcomes {
                guard var held = pending.reserved[outcome.identity],
                    let index = held.firstIndex(where: { $0.id == outcome.id })
                else { continue }
                let channel = held.remove(at: index).channel
                pending.reserved[outcome.identity] = held.isEmpty ? nil : held
                if outcome.delivered { pending.append((outcome.identity, channel, now)) }
            }
        }
    }

    /// Each identity's sends since `now - window`, written or not.
    func sends(identities: some Sequence<String>, now: Int64) throws -> [String: [(channel: String, at: Int64)]] {
        let since = now - window
        let maybe = Set(identities.lazy.filter { self.recent?.mayContain($0, now: now) ?? true })
        guard !maybe.isEmpty else { return [:] }
        // Memory first, then the store, or a batch committed in between would be counted nowhere. The batch being
        // written may then show up in both: its sends found in the store are taken out once each below.
        var inMemory: [String: [(channel: String, at: Int64)]] = [:]
        var beingWritten: [String: [(channel: String, at: Int64)]] = [:]
        pending.withLock { pending in
            for identity in maybe {
                let held = pending.reserved[identity]?.map { (channel: $0.channel, at: $0.at) } ?? []
                if let sends = pending.waiting[identity] ?? (held.isEmpty ? nil : []) {
                    inMemory[identity] = (sends + held).filter { $0.at >= since }
                }
                if let sends = pending.writing[identity] { beingWritten[identity] = sends.filter { $0.at >= since } }
            }
        }
        var result = try store.sent(identities: maybe, since: since)
        for (identity, sends) in beingWritten {
            var stored = result[identity] ?? []
            for send in sends {
                if let index = stored.firstIndex(where: { $0.channel == send.channel && $0.at == send.at }) {
                    stored.remove(at: index)
                }
            }
            result[identity] = stored + sends
        }
        for (identity, sends) in inMemory { result[identity, default: []].append(contentsOf: sends) }
        return result
    }

    /// Whether sends are waiting to be written; the recorder then wakes within `writeDelay` even when idle.
    var hasWaiting: Bool {
        pending.withLock { $0.count > 0 }
    }

    /// Writes the waiting sends when the oldest has waited `writeDelay` (or the clock stepped back past it),
    /// enough have gathered, or `force` (at stop). A failed write keeps them in memory, minus those too old for
    /// any cap, and the next try comes `writeDelay` later. One caller only (the recorder): a write while another
    /// is in progress does nothing.
    func write(now: Int64, force: Bool = false) throws {
        let batch = pending.withLock { pending -> [String: [(channel: String, at: Int64)]]? in
            guard pending.count > 0, pending.writing.isEmpty else { return nil }
            guard force
                || (now >= pending.retryAt
                    && (pending.count >= Self.writeBatch || now - pending.since >= Self.writeDelay || now < pending.since))
            else { return nil }
            swap(&pending.waiting, &pending.writing)
            pending.count = 0
            return pending.writing
        }
        guard let batch else { return }
        let rows = batch.flatMap { identity, sends in sends.map { (identity: identity, channel: $0.channel, at: $0.at) } }
        do {
            try store.recordSent(rows, now: now, keepSince: now - window)
        } catch {
            pending.withLock { pending in
                for (identity, sends) in pending.writing {
                    let kept = sends.filter { $0.at >= now - window }
                    guard !kept.isEmpty else { continue }
                    pending.waiting[identity, default: []].append(contentsOf: kept)
                    pending.count += kept.count
                }
                pending.since = min(pending.since, now)
                pending.retryAt = now + Self.writeDelay
                pending.writing = [:]
            }
            throw error
        }
        pending.withLock {
            $0.writing = [:]
            $0.retryAt = .min
        }
    }
}
