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
    var frequencyCap: (@Sendable (_ channel: String, _ sent: [(channel: String, at: Int64)], _ now: Int64) -> CapCheck)?
    /// How far back caps look, in ms.
    var capWindow: Int64
    var deferOnCap: Bool
    /// Who may have had marketing inside `capWindow`; only they cost a history read. Nil: read for everyone.
    var recent: RecentSenders? = nil

    /// The address suppression and auto-suppression key on, for this channel's kind.
    func address(of recipient: Recipient) -> String? {
        kind == "email" ? recipient.email : recipient.identity
    }

    func evaluate(_ messages: [Message], now: Int64) -> [Verdict] {
        let keys = messages.compactMap { address(of: $0.to).map { (kind: kind, address: $0) } }
        let suppressed: [String: SuppressionStore.Entry]
        var sent: [String: [(channel: String, at: Int64)]] = [:]
        do {
            suppressed = try store.lookup(keys)
            if frequencyCap != nil {
                let identities = Set(
                    messages.filter { $0.category == .marketing }.compactMap(\.to.identity)
                        .filter { recent?.mayContain($0, now: now) ?? true })
                sent = try store.sent(identities: identities, since: now - capWindow)
            }
        } catch {
            return messages.map { _ in .unavailable(until: now + 30_000, reason: "policy store: \(error)") }
        }
        var counted: [String: Int] = [:]
        return messages.map { message -> Verdict in
            let marketing = message.category == .marketing
            if let address = address(of: message.to),
                let entry = suppressed[SuppressionStore.lookupKey(kind: kind, address: address)],
                marketing || entry.reason.stopsTransactional
            {
                return .suppressed(entry)
            }
            guard marketing else { return .pass }
            if let until = quietHours?(now, message.to.timezone) { return .quiet(until: until) }
            if let frequencyCap, let identity = message.to.identity {
                // Messages passed earlier in this same batch count too, or a batch could overshoot the cap. Sends of
                // batches still in flight elsewhere (another channel's lane) are not yet in the store, so two
                // batches of one recipient at the same moment can overshoot a cap by a message.
                let earlier = (sent[identity] ?? []) + Array(repeating: (channel: channel, at: now), count: counted[identity] ?? 0)
                if case .capped(let rule, let freeAt) = frequencyCap(channel, earlier, now) {
                    return .capped(rule: rule, until: deferOnCap ? freeAt : nil)
                }
                counted[identity, default: 0] += 1
            }
            return .pass
        }
    }
}
