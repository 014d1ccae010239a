import HeraldPluginAPI

/// Everything of the sending policy one channel's lane needs: the gate that judges messages before sending, the
/// fallback route settings that decide where a failed message goes, and the store where invalid recipients are
/// suppressed and delivered marketing is counted for caps.
struct LanePolicy: Sendable {
    var gate: PolicyGate
    /// The channel's default route, for messages without a `fallback` of their own.
    var fallbackDefault: [String]
    /// Transient attempts on this channel before a message moves on; nil: transient failures never move it.
    var fallbackAfter: Int?

    var store: any SuppressionList { gate.store }

    /// Where the message goes after this channel, if anywhere.
    func next(for message: Message, row: QueueRow) -> String? {
        FallbackRoute.next(
            after: row.channel, first: message.channel, route: message.fallback.isEmpty ? fallbackDefault : message.fallback)
    }

    /// An entry for the address a channel reported invalid (550 5.1.1, a dead token): that address, the one the
    /// plugin declares it sent to, never the person's other addresses, is not tried again.
    func autoSuppression(_ message: Message, reply: Reply, channel: String, now: Int64) -> SuppressionStore.Entry? {
        guard let address = gate.address(of: message) else { return nil }
        let reason: SuppressionStore.Reason = gate.contract.deadAddressReason == .hardBounce ? .hardBounce : .tokenInvalid
        return SuppressionStore.Entry(
            kind: gate.kind, address: address, reason: reason, source: "\(channel): \(reply.code) \(reply.text.prefix(120))",
            createdAt: now)
    }
}
