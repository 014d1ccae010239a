import HeraldPluginAPI
import Logging

/// The sending policy one channel applies to prepared messages before its plugin sees them (DESIGN §1: expiry ▸
/// suppression ▸ idempotency ▸ quiet hours ▸ frequency cap; expiry and idempotency happen earlier, in the
/// preparer and at intake). One verdict per message; the lane turns verdicts into queue updates and log lines.
/// The rules themselves (quiet windows, caps) come in as functions, so this type only orders and batches them.
struct PolicyGate: Sendable {
    enum Verdict: Sendable, Equatable {
        case pass
        case suppressed(SuppressionStore.Entry)
        /// Marketing inside the recipient's quiet hours: wait until then.
        case quiet(until: Int64)
        /// A frequency cap is reached: end the message, or (`on_cap = "defer"`) wait until `until`.
        case capped(rule: String, until: Int64?)
        /// The policy store could not be read: wait rather than risk mailing a suppressed address.
        case unavailable(until: Int64, reason: String)
    }

    enum CapCheck: Sendable, Equatable {
        case pass
        case capped(rule: String, freeAt: Int64)
    }

    var store: SuppressionStore
    /// The kind of address this channel sends to: "email" (smtp), else the plugin's name.
    var kind: String
    var channel: String
    var quietHours: (@Sendable (_ now: Int64, _ timezone: String?) -> Int64?)?
    /// The cap rule and the sends it counts; caps apply only when both are set (nil, nil without caps).
    var frequencyCap: (@Sendable (_ channel: String, _ sent: [(channel: String, at: Int64)], _ now: Int64) -> CapCheck)?
    var history: SendHistory?
    var deferOnCap: Bool

    /// The address suppression and auto-suppression key on, for this channel's kind.
    func address(of recipient: Recipient) -> String? {
        kind == "email" ? recipient.email : recipient.identity
    }

    func evaluate(_ messages: [Message], now: Int64) -> [Verdict] {
        let addresses = messages.map { address(of: $0.to).map { SuppressionStore.normalize(kind: kind, $0) } }
        let suppressed: [String: SuppressionStore.Entry]
        var sent: [String: [(channel: String, at: Int64)]] = [:]
        do {
            suppressed = try store.lookup(normalized: addresses.compactMap { $0.map { (kind: kind, address: $0) } })
            if frequencyCap != nil, let history {
                sent = try history.sends(
                    identities: messages.lazy.filter { $0.category == .marketing }.compactMap(\.to.identity), now: now)
            }
        } catch {
            return messages.map { _ in .unavailable(until: now + 30_000, reason: "policy store: \(error)") }
        }
        var counted: [String: Int] = [:]
        var reservations: [SendHistory.Reservation] = []
        // Passed marketing counts as sent from now until its outcome, for every other batch's check.
        defer { history?.reserve(reservations) }
        return zip(messages, addresses).map { message, address -> Verdict in
            let marketing = message.category == .marketing
            if !suppressed.isEmpty, let address,
                let entry = suppressed[SuppressionStore.lookupKey(kind: kind, normalized: address)],
                marketing || entry.reason.stopsTransactional
            {
                return .suppressed(entry)
            }
            guard marketing else { return .pass }
            if let until = quietHours?(now, message.to.timezone) { return .quiet(until: until) }
            if let frequencyCap, history != nil, let identity = message.to.identity {
                // Messages passed earlier in this same batch count too, or a batch could overshoot the cap. Batches
                // in flight elsewhere count through their reservations; only two batches checked at the very same
                // moment (between one's history read and its reservations) can overshoot a cap by a message.
                let before = counted[identity] ?? 0
                counted[identity] = before + 1
                // Every cap allows at least one message, so a recipient with no sends passes without a check.
                guard before > 0 || sent[identity] != nil else {
                    reservations.append((message.id, identity, channel, now))
                    return .pass
                }
                let earlier = (sent[identity] ?? []) + Array(repeating: (channel: channel, at: now), count: before)
                if case .capped(let rule, let freeAt) = frequencyCap(channel, earlier, now) {
                    counted[identity] = before
                    return .capped(rule: rule, until: deferOnCap ? freeAt : nil)
                }
                reservations.append((message.id, identity, channel, now))
            }
            return .pass
        }
    }
}
