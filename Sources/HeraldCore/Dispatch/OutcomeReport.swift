import HeraldPluginAPI

/// Builds the queue update and the delivery-log line for one decided outcome, so every path (sent, expired,
/// unsendable, held) reports the same way.
struct OutcomeReport: Sendable {
    var channel: String
    var plugin: String
    var mask: RecipientMask
    /// The address a parked message waits on, as the channel's plugin names it (its contract's `address`).
    var parkKey: @Sendable (Message) -> String? = { $0.to.identity }

    func result(
        row: QueueRow, message: Message?, outcome: Outcome?, decision: OutcomeDecision, now: Int64, latencyMs: Int64?
    ) -> Recorder.Result {
        let attempt = row.attempts + 1
        let reply = outcome?.reply
        var event = LogEvent(
            ts: now, id: row.id, event: .delivered, channel: channel, plugin: plugin, attempt: attempt,
            campaign: row.campaign, stage: row.stage, to: message.flatMap { mask.display($0.to) }, code: reply?.code,
            detail: reply?.text, latencyMs: latencyMs)
        var update = StateUpdate(id: row.id, state: .delivered, dueAt: now, attempts: attempt, code: reply?.code, detail: reply?.text)
        var deadLetter: [UInt8]?
        switch decision {
        case .delivered:
            if case .delivered(let providerID, _)? = outcome { event.providerID = providerID }
        case .retry(let at):
            if case .throttled? = outcome { event.event = .throttled } else { event.event = .deferred }
            event.retryAt = at
            update.state = .deferred
            update.dueAt = at
        case .fail(let reason):
            event.event = .failed
            event.detail = reason
            update.state = .failed
            update.detail = reason
            deadLetter = row.body
        case .expire:
            event.event = .expired
            event.detail = "expires_at passed" + (reply.map { "; last reply: \($0)" } ?? "")
            update.state = .expired
        case .park(let until, let since):
            event.event = .parked
            event.retryAt = until
            event.detail = "waiting for the recipient to be reachable" + (reply.map { ": \($0)" } ?? "")
            update.state = .parked
            update.dueAt = until
            update.attempts = row.attempts
            if let key = message.flatMap(parkKey) { update.park = (key, since) }
        case .waitedOut(let reason):
            event.event = .expired
            event.detail = reason
            update.state = .expired
        case .hold(let at):
            event.event = .paused
            event.retryAt = at
            if let outcome { event.detail = "\(Self.pauseReason(outcome)): \(outcome.reply.text)" }
            update.state = .deferred
            update.dueAt = at
            update.attempts = row.attempts
        }
        if decision != .delivered {
            var writer = JSONWriter(reservingCapacity: 200)
            writer.object([
                ("attempt", .int(Int64(attempt))), ("at", .string(Timestamp.format(now))), ("channel", .string(channel)),
                ("event", .string(event.event.rawValue)), ("code", reply.map { .string($0.code) }),
                ("detail", event.detail.map(JSONValue.string)),
            ])
            update.historyEntry = String(decoding: writer.bytes, as: UTF8.self)
        }
        return Recorder.Result(update: update, event: event, deadLetter: deadLetter)
    }
}

extension OutcomeReport {
    /// Why a channel stops sending, in the `paused` line's words.
    static func pauseReason(_ outcome: Outcome) -> String {
        switch outcome {
        case .destinationGone: "destination gone"
        default: "credentials rejected"
        }
    }

    /// A policy verdict (suppressed, quiet hours, capped) as a queue update and a log line. `dueAt` set: the message
    /// waits until then without spending an attempt; nil: it ends in `state`.
    func policy(
        row: QueueRow, message: Message, event kind: LogEvent.Kind, state: MessageState, dueAt: Int64?, code: String,
        detail: String, now: Int64
    ) -> Recorder.Result {
        var event = LogEvent(
            ts: now, id: row.id, event: kind, channel: channel, plugin: plugin, attempt: row.attempts + 1,
            campaign: row.campaign, stage: row.stage, to: mask.display(message.to), code: code, detail: detail)
        event.retryAt = dueAt
        let update = StateUpdate(
            id: row.id, state: dueAt == nil ? state : .deferred, dueAt: dueAt ?? now, attempts: row.attempts, code: code,
            detail: detail)
        return Recorder.Result(update: update, event: event, deadLetter: nil)
    }

    /// The message leaves this channel for `next`, due at once there with a fresh attempt count.
    func fallback(row: QueueRow, message: Message, to next: String, code: String, reason: String, now: Int64)
        -> Recorder.Result
    {
        let detail = "to \(next): \(reason)"
        let event = LogEvent(
            ts: now, id: row.id, event: .fallback, channel: channel, plugin: plugin, attempt: row.attempts + 1,
            campaign: row.campaign, stage: row.stage, to: mask.display(message.to), code: code, detail: detail)
        var writer = JSONWriter(reservingCapacity: 200)
        writer.object([
            ("attempt", .int(Int64(row.attempts + 1))), ("at", .string(Timestamp.format(now))),
            ("channel", .string(channel)), ("event", .string("fallback")), ("code", .string(code)),
            ("detail", .string(detail)),
        ])
        var update = StateUpdate(
            id: row.id, state: .queued, dueAt: now, attempts: 0, code: code, detail: detail,
            historyEntry: String(decoding: writer.bytes, as: UTF8.self))
        update.channel = next
        return Recorder.Result(update: update, event: event, deadLetter: nil)
    }
}
