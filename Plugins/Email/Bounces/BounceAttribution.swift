import Foundation
import HeraldPluginAPI
import Logging

/// Turns what a bounce says into facts for the core, after finding the send it is about. The VERP handle (from
/// the address the report came to, or the original's Message-ID, which carries the same handle) must verify and
/// name a record still kept before anything is suppressed: a forged or stale bounce becomes an unattributed event,
/// never a suppression. Provider webhooks are authenticated by their signatures, so their addresses are
/// suppressed even when the message cannot be found; mail is not, so its addresses never are without a record.
struct BounceAttribution: Sendable {
    enum Source: Sendable, Equatable {
        case send(SendRecord)
        case unattributed(String)
    }

    /// RFC 5965 feedback types that mean a person called the mail unwanted; `auth-failure`, `virus` and
    /// `not-spam` reports are read and set aside, suppressing nobody.
    static let complaintTypes: Set<String> = ["abuse", "fraud", "other", "opt-out"]

    let channel: String
    let verp: VERPSettings?
    let records: (any PluginRecords)?
    /// Where a report about our own configuration (X.7.27) is raised, whichever way the report came.
    var logger = Logger(label: "herald.bounces")

    /// The send that `token` (or the handle in `messageIDHeader`) names.
    func source(token: String?, messageIDHeader: String?) -> Source {
        guard let verp, let records else { return .unattributed("verp is not set on this channel") }
        guard let token = token ?? messageIDHeader.flatMap(Self.handle(inMessageID:)) else {
            return .unattributed("no VERP handle in the report")
        }
        guard let id = verp.sendID(token: token) else { return .unattributed("the VERP handle does not verify (forged or foreign)") }
        do {
            guard let value = try records.record(id: id)?.value, let record = SendRecord(value) else {
                return .unattributed("the send is no longer known (past bounce_window)")
            }
            return .send(record)
        } catch {
            return .unattributed("cannot read the send records: \(error)")
        }
    }

    /// The facts a bounce mail's report makes.
    func facts(_ report: BounceReport) -> (facts: [Fact], source: Source) {
        let source = source(token: report.verpToken, messageIDHeader: report.originalMessageID)
        let record: SendRecord? = if case .send(let record) = source { record } else { nil }
        switch report.kind {
        case .delivery(let recipients):
            // One transaction per recipient: every entry is about the record's address; the first that says
            // something is the verdict.
            guard let recipient = recipients.first(where: { $0.verdict.kind != .none }) else {
                if recipients.isEmpty { return ([unattributedFact(.bounced, "a delivery report naming no recipient")], .unattributed("no recipient")) }
                return ([], source)
            }
            let verdict = recipient.verdict
            if verdict.kind == .configuration {
                logger.critical(
                    "a bounce says our own sender domain has a null MX (X.7.27): receivers refuse its mail; fix the From/return-path domain's DNS")
            }
            let kind: Fact.Kind = verdict.kind == .delayed ? .delayed : .bounced
            let reply = Reply(code: verdict.status ?? recipient.status ?? "", text: recipient.diagnostic ?? "")
            return ([fact(kind, record: record, source: source, reply: reply, hard: verdict.kind == .hard, reason: verdict.reason)], source)
        case .feedback(let type, _):
            // RFC 5965 types that are not a person calling the mail spam suppress nobody.
            guard Self.complaintTypes.contains(type) else { return ([], source) }
            return ([fact(.complained, record: record, source: source, reply: Reply(code: "", text: "feedback-type \(type)"), hard: false, reason: type)], source)
        case .unknown:
            return ([unattributedFact(.bounced, "not a delivery or feedback report Herald can read")], .unattributed("unreadable report"))
        }
    }

    /// The facts authenticated provider events make.
    func facts(_ events: [ProviderEvent]) -> [Fact] {
        events.map { event in
            let kind: Fact.Kind = switch event.kind {
            case .bounced: .bounced
            case .delayed: .delayed
            case .complained: .complained
            }
            let source = source(token: nil, messageIDHeader: event.originalMessageID)
            let reply = Reply(code: event.status ?? "", text: event.diagnostic ?? "")
            if case .send(let record) = source {
                return fact(kind, record: record, source: source, reply: reply, hard: event.hard, reason: event.reason)
            }
            var fact = Fact.late(
                kind, channel: channel, messageID: nil, addressKind: "email", address: event.address, reply: reply,
                hard: event.hard, reason: event.provider + " " + event.reason)
            if case .unattributed(let why) = source { fact.details["unattributed"] = .string(why) }
            return fact
        }
    }

    private func fact(_ kind: Fact.Kind, record: SendRecord?, source: Source, reply: Reply, hard: Bool, reason: String) -> Fact {
        guard let record else {
            let why = if case .unattributed(let why) = source { why } else { "unattributed" }
            var fact = unattributedFact(kind, why)
            fact.reply = reply
            fact.details["reason"] = .string(reason)
            return fact
        }
        var fact = Fact.late(
            kind, channel: channel, messageID: record.messageID, addressKind: "email", address: record.address,
            reply: reply, hard: hard, reason: reason)
        if let campaign = record.campaign { fact.details["campaign"] = .string(campaign) }
        if let stage = record.stage { fact.details["stage"] = .string(stage) }
        return fact
    }

    /// A bounce about nobody Herald can name: logged and counted, suppressing no one.
    private func unattributedFact(_ kind: Fact.Kind, _ why: String) -> Fact {
        var fact = Fact.late(kind, channel: channel, messageID: nil, addressKind: "email", address: nil, reply: Reply(code: "", text: ""))
        fact.details["unattributed"] = .string(why)
        return fact
    }

    /// `TOKEN` from `<TOKEN.herald@domain>`, the Message-ID of a send with a VERP handle.
    static func handle(inMessageID header: String) -> String? {
        let trimmed = header.trimmingCharacters(in: .whitespaces).drop { $0 == "<" }
        guard let dot = trimmed.firstIndex(of: "."), trimmed[dot...].hasPrefix(".herald@") else { return nil }
        let token = trimmed[..<dot]
        return token.utf8.count == VERPToken.length ? String(token) : nil
    }
}
