import HeraldPluginAPI
import Logging

/// What the core does with the facts plugins report (`FactSink`): a dead address becomes a suppression entry of
/// its kind, on disk before `record` returns, and one `address_dead` line in the delivery log with the address
/// masked. Only the address reported goes: the person's other devices and addresses stay live. Kinds this build
/// does not know are logged at debug level and otherwise ignored, so a newer plugin cannot break an older core.
/// A membership change goes into the membership ledger, on disk before `record` returns. A reachable recipient
/// wakes their parked messages (`wake`); a reply becomes a `reply` event: masked, with the text's length in the
/// log and the text itself for status callbacks only.
struct FactRecorder: Sendable {
    var store: any SuppressionList
    var memberships: MembershipLedger?
    var log: DeliveryLog
    var mask: RecipientMask
    var logger: Logger
    var clock: @Sendable () -> Int64 = { Clock.nowMillis() }
    /// Makes the messages of a channel parked for an address due now.
    var wake: (@Sendable (_ channel: String, _ address: String) -> Void)? = nil
    /// Finds the original message of a late event (`FactRecorder+Late`).
    var origins: Origin? = nil

    private var peerText: PeerText { PeerText(full: mask.full) }

    func record(_ facts: [Fact]) {
        let now = clock()
        var entries: [SuppressionStore.Entry] = []
        var events: [LogEvent] = []
        var changes: [(channel: String, change: MembershipChange)] = []
        var replies: [LogEvent] = []
        for fact in facts {
            if fact.kind == .membership, let change = fact.membership {
                changes.append((fact.channel, change))
                continue
            }
            if fact.kind == .reachable, let address = fact.address {
                wake?(fact.channel, address)
                continue
            }
            if fact.kind == .reply, let address = fact.address {
                replies.append(replyEvent(fact, address: address, now: now))
                continue
            }
            if Self.lateKinds.contains(fact.kind) {
                let (event, suppression) = late(fact, now: now)
                events.append(event)
                if let suppression { entries.append(suppression) }
                continue
            }
            guard fact.kind == .addressDead else {
                logger.debug("ignoring a fact of a kind this build does not know", metadata: ["kind": "\(fact.kind)"])
                continue
            }
            guard let kind = fact.addressKind, let address = fact.address, !address.isEmpty else {
                logger.warning("channel \(fact.channel) reported a dead address without naming it; nothing suppressed")
                continue
            }
            let reason: SuppressionStore.Reason = fact.deadReason == .hardBounce ? .hardBounce : .tokenInvalid
            // The peer may quote the token or the address it rejects.
            let reply = fact.reply.map { Reply(code: $0.code, text: peerText.clean($0.text, secrets: [address])) }
            let words = reply.map { ": \($0.code) \($0.text.prefix(120))" } ?? ""
            entries.append(
                SuppressionStore.Entry(
                    kind: kind, address: address, reason: reason, source: "\(fact.channel)\(words)", createdAt: now))
            events.append(
                LogEvent(
                    ts: now, id: fact.messageID, event: .addressDead, channel: fact.channel,
                    to: mask.display(address: address), code: kind,
                    detail: reason.rawValue + (reply.map { "; \($0)" } ?? "")))
        }
        record(changes, now: now)
        log.write(replies)
        if !entries.isEmpty {
            do {
                try store.add(entries)
            } catch {
                // The delivery that found the address dead still gets its outcome; the next one finds it dead
                // again. A late event still happened: it is logged, without the suppression it would have made.
                logger.error("cannot suppress \(entries.count) addresses: \(error)")
                events.removeAll { $0.event == .addressDead }
            }
        }
        log.write(events)
    }

    private func replyEvent(_ fact: Fact, address: String, now: Int64) -> LogEvent {
        let text = fact.details["text"]?.stringValue ?? ""
        var event = LogEvent(
            ts: now, id: fact.messageID, event: .reply, channel: fact.channel,
            to: mask.display(address: address))
        event.conversation = fact.details["conversation"]?.stringValue
        event.length = text.count
        event.text = text
        return event
    }

    private func record(_ changes: [(channel: String, change: MembershipChange)], now: Int64) {
        guard !changes.isEmpty else { return }
        guard let memberships else {
            logger.debug("ignoring \(changes.count) membership changes: no ledger")
            return
        }
        do {
            try memberships.record(changes, now: now)
        } catch {
            // The deliveries still get their outcomes: the ledger misses these members, so an opt-out cannot
            // find them; said loudly, since only the operator can remove them by hand.
            logger.error("cannot file \(changes.count) membership changes in \(memberships.path): \(error)")
        }
    }
}
