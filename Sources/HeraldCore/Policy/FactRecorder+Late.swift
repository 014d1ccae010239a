import HeraldPluginAPI

/// Late outcomes (`Fact.bounced`, `.delayed`, `.complained`): what a later hop said of a message already handed
/// on. Each becomes one event under the original message's id, campaign and stage (looked up while its queue row
/// is kept, else as the fact names them: a plugin that kept its own record of the send), with the address masked and the peer's words cleaned of it; a hard bounce suppresses the address
/// with `hard_bounce`, a complaint with `complaint` (which also takes the person out of their ad audiences). A
/// soft bounce and a delay are logged and counted only.
extension FactRecorder {
    /// Where a late event's message went: its channel, campaign and stage; nil once its row is pruned.
    typealias Origin = @Sendable (_ messageID: String) -> (channel: String, campaign: String?, stage: String?)?

    static let lateKinds: Set<Fact.Kind> = [.bounced, .delayed, .complained]

    func late(_ fact: Fact, now: Int64) -> (event: LogEvent, suppression: SuppressionStore.Entry?) {
        let kind: LogEvent.Kind = fact.kind == .bounced ? .bounced : fact.kind == .delayed ? .delayed : .complained
        let origin = fact.messageID.flatMap { origins?($0) }
        let address = fact.address ?? ""
        let words = fact.reply.map { Reply(code: $0.code, text: PeerText(full: mask.full).clean($0.text, secrets: [address])) }
        let hard = fact.details["class"]?.stringValue == "hard"
        var detail = [
            fact.kind == .bounced ? (hard ? "hard" : "soft") : nil, fact.details["reason"]?.stringValue,
            words.map { String($0.text.prefix(200)) },
        ].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "; ")
        if fact.messageID == nil {
            let why = fact.details["unattributed"]?.stringValue ?? "no message named"
            detail += (detail.isEmpty ? "" : "; ") + "unattributed: " + why
        }
        let event = LogEvent(
            ts: now, id: fact.messageID, event: kind, channel: origin?.channel ?? fact.channel,
            campaign: origin?.campaign ?? fact.details["campaign"]?.stringValue,
            stage: origin?.stage ?? fact.details["stage"]?.stringValue,
            to: address.isEmpty ? nil : mask.display(address: address), code: words?.code,
            detail: detail)
        guard !address.isEmpty, let addressKind = fact.addressKind, fact.kind == .complained || hard else {
            return (event, nil)
        }
        let reason: SuppressionStore.Reason = fact.kind == .complained ? .complaint : .hardBounce
        let source = "\(fact.channel) \(kind.rawValue)" + (fact.messageID.map { " of \($0)" } ?? "")
        return (event, SuppressionStore.Entry(kind: addressKind, address: address, reason: reason, source: source, createdAt: now))
    }
}
