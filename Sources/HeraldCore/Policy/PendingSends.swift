/// What `SendHistory` holds in memory, under its lock: delivered marketing not yet written to the store, the batch
/// being written, and the messages that passed the cap and are still being sent (reservations). A value type
/// with no I/O, so every cap decision made under the lock is a pure function of it and the rows read from the store.
struct PendingSends {
    typealias Sends = CapSends

    /// Delivered sends not written yet, by identity, and how many.
    var waiting: [String: Sends] = [:]
    var count = 0
    /// When the oldest waiting send was recorded (ms).
    var since: Int64 = 0
    /// The batch being written: still counted from memory until its commit is done.
    var writing: [String: Sends] = [:]
    /// After a failed write, no other is tried before this (ms), however many sends wait; except at stop.
    var retryAt: Int64 = .min
    /// Bumped when a write starts and when it ends: a store read that spans a change is read again.
    var generation = 0
    /// Messages that passed the cap and are being sent, by identity; `id` is the message's queue id.
    var reserved: [String: [(id: String, channel: String, at: Int64)]] = [:]
    /// The store's rows of identities checked lately (no entry: not read yet), kept exact as batches are written,
    /// so a recipient mailed again and again costs one store read, not one per batch. Only this process writes
    /// the table, so nothing else can make them stale.
    var stored: [String: Sends] = [:]
    /// Rows read for identities with sends in the batch being written, for the current check only: whether the
    /// read saw that batch is not known for sure, so they are not kept.
    var transient: [String: Sends] = [:]
    /// Identities `stored` holds at most; past that it starts again empty (after the check that filled it).
    static let storedLimit = 100_000

    mutating func append(identity: String, channel: String, at: Int64) {
        if count == 0 { since = at }
        waiting[identity, default: []].append((channel, at))
        count += 1
    }

    /// Takes rows just read from the store (`rows`, for every identity in `read`; none for most), which must not
    /// have overlapped the start or end of a write. Identities not in the batch being written are kept: their
    /// rows cannot have changed. The others serve this check only, without the rows of that batch the read may
    /// already have seen (it is counted from `writing`). Rows taken for an earlier check, or an earlier attempt
    /// at this one, are dropped first: the batch they left out may be in the store by now.
    mutating func take(_ rows: [String: Sends], read: some Sequence<String>) {
        transient = [:]
        for identity in read where stored[identity] == nil {
            var kept = rows[identity] ?? []
            guard let batch = writing[identity] else {
                stored[identity] = kept
                continue
            }
            for send in batch {
                if let index = kept.firstIndex(where: { $0.channel == send.channel && $0.at == send.at }) {
                    kept.remove(at: index)
                }
            }
            transient[identity] = kept
        }
    }

    /// Whether every one of `identities` has its store rows in memory (kept or for this check).
    func holds(_ identities: some Sequence<String>) -> Bool {
        identities.allSatisfy { stored[$0] != nil || transient[$0] != nil }
    }

    /// After a check: rows taken for it alone are dropped (not to be held in memory), and a full `stored` starts
    /// again.
    mutating func checked() {
        transient = [:]
        if stored.count >= Self.storedLimit { stored = [:] }
    }

    /// The batch that was being written is in the store now: it joins the rows kept from it, minus those too old
    /// for any cap.
    mutating func written(since: Int64) {
        for (identity, sends) in writing where stored[identity] != nil {
            stored[identity] = (stored[identity] ?? []).filter { $0.at >= since } + sends
        }
        writing = [:]
    }

    /// An identity's delivered sends since `since`, written or not (the store's rows as taken, for identities the
    /// caller has read or knows to have none).
    func delivered(_ identity: String, since: Int64) -> Sends {
        let store = stored[identity] ?? transient[identity] ?? []
        return (store + (writing[identity] ?? []) + (waiting[identity] ?? [])).filter { $0.at >= since }
    }

    func inFlight(_ identity: String, since: Int64) -> Sends {
        (reserved[identity] ?? []).filter { $0.at >= since }.map { (channel: $0.channel, at: $0.at) }
    }

    /// Decides each candidate in order against its identity's delivered and in-flight messages, reserving those
    /// that pass, so a later candidate (in this batch or any other) counts them.
    mutating func admit(
        _ candidates: [(id: String, identity: String)], channel: String, now: Int64, since: Int64,
        check: (Sends) -> CapCheck
    ) -> [CapAdmission] {
        var done: [String: Sends] = [:]
        for identity in Set(candidates.map(\.identity)) { done[identity] = delivered(identity, since: since) }
        return candidates.map { candidate in
            let history = done[candidate.identity] ?? []
            let flying = inFlight(candidate.identity, since: since)
            // Every cap allows at least one message, so a recipient with no messages at all passes unchecked.
            if !history.isEmpty || !flying.isEmpty,
                let refused = CapAdmission.refused(delivered: history, inFlight: flying, check: check)
            {
                return refused
            }
            reserve(id: candidate.id, identity: candidate.identity, channel: channel, at: now)
            return .pass
        }
    }

    /// One reservation per message id: a second for the same id replaces the first.
    mutating func reserve(id: String, identity: String, channel: String, at: Int64) {
        var held = reserved[identity] ?? []
        held.removeAll { $0.id == id }
        held.append((id, channel, at))
        reserved[identity] = held
    }

    /// Ends a message's reservation, if it has one; a delivered message becomes a waiting send either way.
    mutating func settle(id: String, identity: String, channel: String, delivered: Bool, now: Int64) {
        if var held = reserved[identity] {
            held.removeAll { $0.id == id }
            reserved[identity] = held.isEmpty ? nil : held
        }
        if delivered { append(identity: identity, channel: channel, at: now) }
    }
}
