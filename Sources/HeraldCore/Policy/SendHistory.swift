import Synchronization

/// The marketing messages frequency caps count, per recipient identity: what the store's `sent` table holds,
/// plus what is in memory (`PendingSends`). Sends are written in batches at most every `writeDelay`, not with
/// every recorder flush: each row lands on a random page of the identity index, so writing a few rows per commit
/// cost a page write per send, about a tenth of the delivery throughput in the drain bench. Until written they
/// are counted from memory, so caps stay exact while the process runs; a crash forgets at most `writeDelay` of
/// sends, which can let one more message through a cap after the restart.
///
/// A message that passes the cap is *reserved* in the same step as its check, under one lock, and counts from
/// then on: a message to the same person on another channel, checked while this one is still being sent, sees
/// it. Its outcome then turns the reservation into a send or frees the place.
///
/// The recent-senders filter spares the store read for identities not mailed inside the window, and the rows
/// read are kept (`PendingSends.stored`), so an identity is read at most once while it stays there.
final class SendHistory: CapLedger {
    /// How long a send may wait in memory before it is written (ms), and how many may wait at most.
    static let writeDelay: Int64 = 500
    static let writeBatch = 20_000
    /// A store read that overlaps a write is read again, this many times at most (writes are half a second apart).
    private static let readAttempts = 4
    /// Rows this much older than a cap window are still read and kept: lanes take `now` at slightly different
    /// moments (and clocks step), and a row one of them still counts must not have been dropped by another.
    static let clockMargin: Int64 = 60_000

    /// How far back caps look (ms): the longest cap window.
    let window: Int64
    private let store: SuppressionStore
    private let recent: RecentSenders?
    private let pending = Mutex(PendingSends())

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

    /// Whether each candidate (a marketing message about to go on `channel`) may pass the cap `check` now; those
    /// that pass are reserved before anyone else can check.
    func admit(
        _ candidates: [(id: String, identity: String)], channel: String, now: Int64,
        check: (CapSends) -> CapCheck
    ) throws -> [CapAdmission] {
        guard !candidates.isEmpty else { return [] }
        let admissions = try withStoreRows(candidates.map(\.identity), now: now) { pending in
            pending.admit(candidates, channel: channel, now: now, since: now - window, check: check)
        }
        for (candidate, admission) in zip(candidates, admissions) where admission == .pass {
            recent?.insert(candidate.identity, now: now)
        }
        return admissions
    }

    /// Ends reservations: a delivered message becomes a send at `now` (`write` puts it in the store later), any
    /// other outcome (or none: the message was held back) frees its place. In one step, so no check sees the
    /// message counted twice or not at all.
    func settle(_ outcomes: [(id: String, identity: String, channel: String, delivered: Bool)], now: Int64) {
        guard !outcomes.isEmpty else { return }
        for outcome in outcomes where outcome.delivered { recent?.insert(outcome.identity, now: now) }
        pending.withLock { pending in
            for outcome in outcomes {
                pending.settle(
                    id: outcome.id, identity: outcome.identity, channel: outcome.channel, delivered: outcome.delivered,
                    now: now)
            }
        }
    }

    /// Each identity's messages since `now - window`, delivered (written or not) and in flight.
    func sends(identities: some Sequence<String>, now: Int64) throws -> [String: PendingSends.Sends] {
        let since = now - window
        let identities = Array(identities)
        return try withStoreRows(identities, now: now) { pending in
            var result: [String: PendingSends.Sends] = [:]
            for identity in Set(identities) {
                let all = pending.delivered(identity, since: since) + pending.inFlight(identity, since: since)
                if !all.isEmpty { result[identity] = all }
            }
            return result
        }
    }

    /// Runs `body` under the lock once the store's rows for `identities` are in memory: those the filter cannot
    /// rule out and not read before are read outside the lock, and a read that overlapped the start or end of a
    /// write (or whose rows were dropped meanwhile) is read again. The last attempt reads under the lock, so no
    /// write can start or end during it; it holds up the lanes for one read, which only a run of overlaps needs.
    private func withStoreRows<T>(_ identities: [String], now: Int64, _ body: (inout PendingSends) -> T) throws -> T {
        let maybe = Set(identities.lazy.filter { self.recent?.mayContain($0, now: now) ?? true })
        let since = now - window - Self.clockMargin
        for _ in 1..<Self.readAttempts {
            let (generation, unread) = pending.withLock { pending in
                (pending.generation, maybe.filter { pending.stored[$0] == nil })
            }
            let rows = unread.isEmpty ? [:] : try store.sent(identities: unread, since: since)
            let result = pending.withLock { pending -> T? in
                guard pending.generation == generation else { return nil }
                pending.take(rows, read: unread)
                guard pending.holds(maybe) else { return nil }
                defer { pending.checked() }
                return body(&pending)
            }
            if let result { return result }
        }
        return try pending.withLock { pending in
            let unread = maybe.filter { pending.stored[$0] == nil }
            pending.take(unread.isEmpty ? [:] : try store.sent(identities: unread, since: since), read: unread)
            defer { pending.checked() }
            return body(&pending)
        }
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
        let batch = pending.withLock { pending -> [String: PendingSends.Sends]? in
            guard pending.count > 0, pending.writing.isEmpty else { return nil }
            guard force
                || (now >= pending.retryAt
                    && (pending.count >= Self.writeBatch || now - pending.since >= Self.writeDelay || now < pending.since))
            else { return nil }
            swap(&pending.waiting, &pending.writing)
            pending.count = 0
            pending.generation += 1
            return pending.writing
        }
        guard let batch else { return }
        let rows = batch.flatMap { identity, sends in sends.map { (identity: identity, channel: $0.channel, at: $0.at) } }
        do {
            try store.recordSent(rows, now: now, keepSince: now - window - Self.clockMargin)
        } catch {
            pending.withLock { pending in
                for (identity, sends) in pending.writing {
                    for send in sends where send.at >= now - window {
                        pending.append(identity: identity, channel: send.channel, at: send.at)
                    }
                }
                pending.since = min(pending.since, now)
                pending.retryAt = now + Self.writeDelay
                pending.writing = [:]
                pending.generation += 1
            }
            throw error
        }
        pending.withLock {
            $0.written(since: now - window - Self.clockMargin)
            $0.retryAt = .min
            $0.generation += 1
        }
    }
}
