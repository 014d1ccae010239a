import HeraldPluginAPI
import Logging

/// The sending policy one channel applies to prepared messages before its plugin sees them (DESIGN §1: expiry ▸
/// suppression ▸ idempotency ▸ quiet hours ▸ frequency cap; expiry and idempotency happen earlier, in the
/// preparer and at intake). One verdict per message; the lane turns verdicts into queue updates and log lines.
/// The rules themselves (quiet windows, caps) come in as functions, so this type only orders and batches them.
struct PolicyGate: Sendable {
    enum Verdict: Sendable, Equatable {
        case pass
        /// A fan-out message (push to several devices) some of whose addresses are suppressed: send to `live` only.
        case passKeeping(live: Set<String>)
        case suppressed(SuppressionStore.Entry)
        /// Marketing inside the recipient's quiet hours: wait until then.
        case quiet(until: Int64)
        /// A frequency cap is reached: end the message, or (`on_cap = "defer"`) wait until `until`.
        case capped(rule: String, until: Int64?)
        /// The policy store could not be read: wait rather than risk mailing a suppressed address.
        case unavailable(until: Int64, reason: String)
    }

    var store: any SuppressionList
    /// The plugin's declarations: the kind of address this channel sends to, and which address that is.
    var contract: ChannelContract
    var channel: String
    var quietHours: (@Sendable (_ now: Int64, _ timezone: String?) -> Int64?)?
    /// The cap rule and the sends it counts; caps apply only when both are set (nil, nil without caps).
    var frequencyCap: (@Sendable (_ channel: String, _ sent: [(channel: String, at: Int64)], _ now: Int64) -> CapCheck)?
    var history: (any CapLedger)?
    var deferOnCap: Bool

    var kind: String { contract.addressKind }

    /// The address suppression and auto-suppression key on: the one this channel sends the message to.
    func address(of message: Message) -> String? {
        contract.address(message.to, message.endpoint)
    }

    /// How long a message over its cap only through messages still being sent waits for their outcomes.
    static let inFlightWait: Int64 = 30_000

    func evaluate(_ messages: [Message], now: Int64) -> [Verdict] {
        let checks: [SuppressionCheck]
        do {
            checks = try suppressionChecks(messages)
        } catch {
            return messages.map { _ in .unavailable(until: now + 30_000, reason: "policy store: \(error)") }
        }
        var verdicts: [Verdict] = []
        var capCandidates: [(index: Int, id: String, identity: String)] = []
        for (index, (message, check)) in zip(messages, checks).enumerated() {
            // Caps and quiet hours are about what reaches a person; an audience sync reaches nobody.
            let marketing = message.category == .marketing && contract.reachesPerson
            if case .suppressed(let entry) = check {
                verdicts.append(.suppressed(entry))
            } else if marketing, let until = quietHours?(now, message.to.timezone) {
                verdicts.append(.quiet(until: until))
            } else {
                if marketing, let identity = message.to.identity { capCandidates.append((index, message.id, identity)) }
                if case .keeping(let live) = check { verdicts.append(.passKeeping(live: live)) } else { verdicts.append(.pass) }
            }
        }
        guard let frequencyCap, let history, !capCandidates.isEmpty else { return verdicts }
        let admissions: [CapAdmission]
        do {
            // Earlier messages of this batch count for later ones: each is reserved as it passes.
            admissions = try history.admit(
                capCandidates.map { (id: $0.id, identity: $0.identity) }, channel: channel, now: now,
                check: { frequencyCap(channel, $0, now) })
        } catch {
            for candidate in capCandidates { verdicts[candidate.index] = .unavailable(until: now + 30_000, reason: "policy store: \(error)") }
            return verdicts
        }
        for (candidate, admission) in zip(capCandidates, admissions) {
            switch admission {
            case .pass: break
            case .capped(let rule, let freeAt): verdicts[candidate.index] = .capped(rule: rule, until: deferOnCap ? freeAt : nil)
            case .waitForInFlight(let rule):
                verdicts[candidate.index] = .capped(
                    rule: "\(rule), counting messages to this recipient still being sent", until: now + Self.inFlightWait)
            }
        }
        return verdicts
    }
}
