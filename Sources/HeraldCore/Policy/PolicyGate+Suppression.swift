import HeraldPluginAPI

/// The suppression step of the gate: one lookup for the batch, then per message whether its address is
/// suppressed — or, on a fan-out channel (`ChannelContract.fanOut`: push to every device), which of its addresses
/// are, each on its own: a message goes on to the live ones and is suppressed only when none is left.
extension PolicyGate {
    enum SuppressionCheck: Sendable, Equatable {
        case clear
        case suppressed(SuppressionStore.Entry)
        /// Some addresses of a fan-out message are suppressed: these (as `FanOut.addresses` gave them) are not.
        case keeping(Set<String>)
    }

    func suppressionChecks(_ messages: [Message]) throws -> [SuppressionCheck] {
        let addresses: [[(raw: String, normalized: String)]] = messages.map { message in
            let raw = contract.fanOut.map { $0.addresses(message.to) } ?? address(of: message).map { [$0] } ?? []
            return raw.map { ($0, SuppressionStore.normalize(kind: kind, $0)) }
        }
        let found = try store.lookup(normalized: addresses.flatMap { $0.map { (kind: kind, address: $0.normalized) } })
        let optedOut = try personalOptOuts(messages)
        guard !found.isEmpty || !optedOut.isEmpty else { return messages.map { _ in .clear } }
        return zip(messages, addresses).enumerated().map { index, pair in
            let (message, addresses) = pair
            if let entry = optedOut[index] { return .suppressed(entry) }
            let marketing = message.category == .marketing
            var live: Set<String> = []
            var blocking: SuppressionStore.Entry?
            for address in addresses {
                if let entry = found[SuppressionStore.lookupKey(kind: kind, normalized: address.normalized)],
                    marketing || entry.reason.stopsTransactional
                {
                    if blocking.map({ entry.reason.strength > $0.reason.strength }) ?? true { blocking = entry }
                } else {
                    live.insert(address.raw)
                }
            }
            guard let blocking else { return .clear }
            return live.isEmpty ? .suppressed(blocking) : .keeping(live)
        }
    }

    /// For a channel whose contract says the person's opt-out stops a message (`stoppedByOptOut`): the strongest
    /// opt-out among each such message's addresses, by the message's position.
    private func personalOptOuts(_ messages: [Message]) throws -> [Int: SuppressionStore.Entry] {
        guard let stopped = contract.stoppedByOptOut else { return [:] }
        var candidates: [(index: Int, addresses: [String])] = []
        for (index, message) in messages.enumerated() where stopped(message.pluginFields) {
            let to = message.to
            let addresses = [to.email, to.phone, to.externalID, to.visitor].compactMap { $0 } + (to.push ?? []).compactMap(\.address)
            if !addresses.isEmpty { candidates.append((index, addresses)) }
        }
        let found = try store.optOuts(candidates.flatMap(\.addresses))
        guard !found.isEmpty else { return [:] }
        var out: [Int: SuppressionStore.Entry] = [:]
        for candidate in candidates {
            let entries = candidate.addresses.compactMap { found[$0] }
            out[candidate.index] = entries.max { $0.reason.strength < $1.reason.strength }
        }
        return out
    }
}
