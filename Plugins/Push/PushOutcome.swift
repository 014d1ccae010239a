import HeraldPluginAPI

/// One delivery's outcome from its devices' results: delivered when any device accepted it (the others are not
/// retried, so no device sees it twice); recipient-invalid when every device is dead (the message moves along its
/// fallback route); otherwise the failure that asks most of the core (credentials, then throttling, then a
/// transient failure, then a permanent one). The reply lists every device: platform, address, answer — the
/// core masks the addresses before the line is written.
enum PushOutcome {
    struct Line: Sendable, Equatable {
        var device: PushDevice
        /// nil: the channel serves no provider for this platform; the device was skipped.
        var result: DeviceResult?
    }

    static func combine(_ lines: [Line]) -> Outcome {
        let text = lines.map(describe).joined(separator: "; ")
        let results = lines.compactMap(\.result)
        if let accepted = results.first(where: { if case .accepted = $0 { true } else { false } }),
            case .accepted(let providerID, let reply) = accepted
        {
            return .delivered(providerID: providerID, reply: Reply(code: reply.code, text: text))
        }
        guard !results.isEmpty else {
            return .permanent(reply: Reply(code: "no_device", text: text.isEmpty ? "no device in to.push" : text))
        }
        let failures = results.compactMap { result -> Outcome? in
            if case .failed(let outcome) = result { outcome } else { nil }
        }
        guard let worst = failures.max(by: { rank($0) < rank($1) }) else {
            return .recipientInvalid(reply: Reply(code: results[0].reply.code, text: text))
        }
        let reply = Reply(code: worst.reply.code, text: text)
        switch worst {
        case .throttled: return .throttled(reply: reply, retryAfter: longestHint(failures))
        case .transient: return .transient(reply: reply, retryAfter: longestHint(failures))
        default: return worst.replacingReply(reply)
        }
    }

    private static func rank(_ outcome: Outcome) -> Int {
        switch outcome {
        case .credentialsInvalid, .destinationGone: 4
        case .throttled: 3
        case .transient: 2
        default: 1
        }
    }

    /// The most any device's service asked to wait, so no service is retried before it said.
    private static func longestHint(_ failures: [Outcome]) -> Duration? {
        failures.compactMap { outcome -> Duration? in
            switch outcome {
            case .transient(_, let hint), .throttled(_, let hint): hint
            default: nil
            }
        }.max()
    }

    private static func describe(_ line: Line) -> String {
        let device = "\(line.device.platform) \(line.device.address ?? "?")"
        guard let result = line.result else { return "\(device): skipped, this channel serves no \(line.device.platform)" }
        let reply = result.reply
        let verdict: String
        switch result {
        case .accepted: verdict = "accepted"
        case .dead: verdict = "dead"
        case .failed(let outcome): verdict = outcome.label
        }
        return "\(device): \(reply.code)\(reply.text.isEmpty ? "" : " " + reply.text) (\(verdict))"
    }
}
