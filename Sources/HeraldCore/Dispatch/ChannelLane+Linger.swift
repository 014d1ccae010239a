import HeraldPluginAPI

/// The lane of a channel with `batch_linger` (an ad-audience sync): claimed messages are screened at once and
/// wait in a `LingerBuffer` per the plugin's batch key until a batch of `batch` is full or has waited the linger;
/// `concurrency` counts plugin calls in flight. Rows stay in flight in the queue while they wait, and a stopping
/// lane hands them back, so nothing is lost and nothing sent twice beyond the calls in flight.
extension ChannelLane {
    func runLingering(stopping: StopFlag, drain: Duration, linger: Duration) async {
        var buffer = LingerBuffer<Prepared>(batch: channel.batch, linger: linger.milliseconds)
        var bucket = channel.rate.map { ChannelRate(rate: $0, channel: channel.name, budgets: shared.budgets) }
        let key = channel.contract.batchKey
        let cancel = channel.contract.batchCancel
        // A batch per call slot and one more waiting, so a freed slot finds a full batch; no more: a waiting
        // delivery holds its decoded message and rendered content (a few KB each).
        let room = { self.channel.batch * max(2, self.concurrencyLimit + 1) }
        // Whether the last claim filled all the room it had: then more is queued, and a group past its linger is
        // not sent short while the rows that would fill it wait only for room (they go once calls free it up).
        var moreQueued = false
        // Groups past their linger may go now: nothing more is queued for them, or no call is in flight and the
        // room is full, so nothing would ever free any.
        let lingeredMayGo = { (buffered: Int) in
            !moreQueued || (self.callsInFlight.load(ordering: .relaxed) == 0 && buffered >= room())
        }
        await withDiscardingTaskGroup { group in
            while !stopping.isSet, !Task.isCancelled {
                if await waitedWhileHeld() { continue }
                var now = shared.time.now()
                syncClusterDestinations(now: now)
                let free = concurrencyLimit - callsInFlight.load(ordering: .relaxed)
                for batch in buffer.take(now: now, limit: max(0, free), lingered: lingeredMayGo(buffer.count)) {
                    await bucket?.spend(batch.count, logger: shared.logger)
                    callsInFlight.add(1, ordering: .relaxed)
                    group.addTask {
                        await self.send(screened: batch, results: [])
                        self.callsInFlight.subtract(1, ordering: .relaxed)
                        self.inflight.subtract(batch.count, ordering: .relaxed)
                        self.doorbell.ring()
                    }
                }
                var claimed = 0
                let space = room() - buffer.count
                if space > 0 {
                    do {
                        let asked = min(space, 10_000)
                        let rows = try shared.store.claim(channel: channel.name, limit: asked, now: now)
                        claimed = rows.count
                        moreQueued = rows.count == asked
                        if !rows.isEmpty {
                            inflight.add(rows.count, ordering: .relaxed)
                            now = shared.time.now()
                            var (prepared, results) = screen(rows, now: now)
                            for item in prepared {
                                let itemKey = key?(item.delivery) ?? ""
                                let member = cancel?.member(item.delivery)
                                if let member, let undone = cancel?.undoes(itemKey),
                                    let waiting = buffer.cancel(key: undone, member: member)
                                {
                                    results += cancelled(waiting, by: item, now: now)
                                    // A member who was in before the add must still be taken out: only the add goes.
                                    guard isMember(member) else {
                                        results += cancelled(item, by: waiting, now: now)
                                        continue
                                    }
                                }
                                buffer.add(item, key: itemKey, member: member, now: now)
                            }
                            if !results.isEmpty { _ = shared.recorder.submit(results) }
                            inflight.subtract(results.count, ordering: .relaxed)
                        }
                    } catch {
                        shared.logger.error("channel \(channel.name): cannot claim messages: \(error)")
                    }
                }
                if claimed > 0 { continue }
                // While lingered groups wait for room, a finished call's ring wakes the lane, not their deadline.
                let deadline = lingeredMayGo(buffer.count) ? buffer.nextDeadline : nil
                let due = buffer.count == 0 ? ((try? shared.store.nextDue(channel: channel.name)) ?? nil) : nil
                let until = [deadline, due].compactMap { $0 }.min()
                let wait = until.map { Duration.milliseconds(max(1, $0 - now)) } ?? .seconds(30)
                await doorbell.wait(timeout: min(wait, .seconds(30)))
            }
            handBack(buffer.drainAll())
            if await stillBusy(after: drain, { self.callsInFlight.load(ordering: .relaxed) > 0 }) { group.cancelAll() }
        }
    }

    /// Whether the membership ledger has `member` in a list of this channel already; when it cannot tell, yes, so
    /// the undoing delivery is sent (a remove of a non-member changes nothing).
    private func isMember(_ member: String) -> Bool {
        guard let ledger = shared.memberships else { return false }
        do {
            return try ledger.contains(channel: channel.name, member: member)
        } catch {
            shared.logger.warning("channel \(channel.name): cannot read the membership ledger: \(error)")
            return true
        }
    }

    /// One of two waiting messages that undo each other: ended unsent, the detail naming the other.
    private func cancelled(_ item: Prepared, by other: Prepared, now: Int64) -> [Recorder.Result] {
        if let policy { release([item.message], policy: policy) }
        return [
            report.policy(
                row: item.row, message: item.message, event: .cancelled, state: .cancelled, dueAt: nil, code: "cancelled",
                detail: "cancelled with \(other.row.id), which undoes it in the same batch window", now: now)
        ]
    }

    /// Messages that waited for a batch when the lane stopped go back to the queue, due at once, attempt unspent.
    private func handBack(_ items: [Prepared]) {
        guard !items.isEmpty else { return }
        inflight.subtract(items.count, ordering: .relaxed)
        if let policy { release(items.map(\.message), policy: policy) }
        do {
            try shared.store.release(ids: items.map(\.row.id), dueAt: shared.time.now())
        } catch {
            // They stay in flight until the next start requeues them: delayed, not lost.
            shared.logger.error("channel \(channel.name): cannot hand waiting messages back: \(error)")
        }
    }
}
