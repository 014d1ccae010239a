import HeraldPluginAPI

/// The lane's side of the sending policy: turning the gate's verdicts into queue updates and log lines, moving
/// messages along their fallback route, suppressing recipients a channel reported invalid, and counting
/// delivered marketing for frequency caps.
extension ChannelLane {
    /// Returns the messages that may be sent now; every other one gets its result appended.
    func applyPolicy(
        _ policy: LanePolicy, to items: [(Delivery, QueueRow, Message)], now: Int64, results: inout [Recorder.Result]
    ) -> [(Delivery, QueueRow, Message)] {
        var passing: [(Delivery, QueueRow, Message)] = []
        for (item, verdict) in zip(items, policy.gate.evaluate(items.map(\.2), now: now)) {
            let (_, row, message) = item
            switch verdict {
            case .pass:
                passing.append(item)
            case .passKeeping(let live):
                var delivery = item.0
                if let fanOut = policy.gate.contract.fanOut { delivery.recipient = fanOut.keeping(delivery.recipient, live) }
                passing.append((delivery, row, message))
            case .suppressed(let entry):
                let reason = "\(entry.kind) address suppressed (\(entry.reason.rawValue), \(entry.source))"
                if FallbackRoute.moves(.suppressed, attempt: row.attempts + 1, after: policy.fallbackAfter),
                    let next = policy.next(for: message, row: row)
                {
                    results.append(report.fallback(row: row, message: message, to: next, code: entry.reason.rawValue, reason: reason, now: now))
                } else {
                    results.append(
                        report.policy(
                            row: row, message: message, event: .suppressed, state: .suppressed, dueAt: nil,
                            code: entry.reason.rawValue, detail: reason, now: now))
                }
            case .quiet(let until):
                results.append(
                    report.policy(
                        row: row, message: message, event: .quietHours, state: .deferred, dueAt: until, code: "quiet_hours",
                        detail: "quiet hours in \(message.to.timezone ?? "the default time zone") until \(Timestamp.format(until))",
                        now: now))
            case .capped(let rule, let until):
                results.append(
                    report.policy(
                        row: row, message: message, event: .capped, state: .capped, dueAt: until, code: "capped",
                        detail: "frequency cap \(rule)" + (until.map { "; waits until \(Timestamp.format($0))" } ?? ""),
                        now: now))
            case .unavailable(let until, let reason):
                shared.logger.error("channel \(channel.name): \(reason); holding messages until it can be read")
                results.append(
                    report.policy(
                        row: row, message: message, event: .deferred, state: .deferred, dueAt: until, code: "policy",
                        detail: reason, now: now))
            }
        }
        return passing
    }

    /// A message that cannot be delivered here but has somewhere else to go moves there instead of failing (or
    /// after `fallback_after` transient attempts instead of retrying here).
    func fallback(row: QueueRow, message: Message, outcome: Outcome, decision: OutcomeDecision, now: Int64)
        -> Recorder.Result?
    {
        guard let policy, let next = policy.next(for: message, row: row) else { return nil }
        switch decision {
        case .fail, .retry, .waitedOut: break
        case .delivered, .expire, .hold, .park: return nil
        }
        guard FallbackRoute.moves(.outcome(outcome), attempt: row.attempts + 1, after: policy.fallbackAfter) else {
            return nil
        }
        return report.fallback(
            row: row, message: message, to: next, code: outcome.reply.code, reason: "\(outcome.label): \(outcome.reply)",
            now: now)
    }

    /// Notes recipients reported invalid (the recorder suppresses them with its next flush) and settles the cap
    /// reservations of the batch: delivered marketing becomes a send, anything else frees its place.
    func remember(_ sent: some Sequence<(Message, Outcome)>, policy: LanePolicy, now: Int64) {
        var suppress: [SuppressionStore.Entry] = []
        var settled: [(id: String, identity: String, channel: String, delivered: Bool)] = []
        for (message, outcome) in sent {
            // A fan-out plugin reports each dead address as a fact; the outcome names none of them.
            if case .recipientInvalid(let reply) = outcome, policy.gate.contract.fanOut == nil,
                let entry = policy.autoSuppression(message, reply: reply, channel: channel.name, now: now)
            {
                suppress.append(entry)
            }
            if policy.gate.history != nil, message.category == .marketing, policy.gate.contract.reachesPerson,
                let identity = message.to.identity
            {
                let delivered = if case .delivered = outcome { true } else { false }
                settled.append((message.id, identity, channel.name, delivered))
            }
        }
        policy.gate.history?.settle(settled, now: now)
        shared.recorder.submit(suppress)
    }

    /// Messages that passed the policy but are not sent (held by their domain's rate, or cut off by shutdown) free
    /// their cap places.
    func release(_ held: [Message], policy: LanePolicy) {
        guard let history = policy.gate.history, policy.gate.contract.reachesPerson else { return }
        history.settle(
            held.compactMap { message in message.to.identity.map { (message.id, $0, channel.name, false) } },
            now: shared.time.now())
    }
}
