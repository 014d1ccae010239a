import HeraldPluginAPI

/// The frequency-cap rule (`[policy] frequency_cap`): given when one recipient was last sent marketing messages,
/// may another go now on `channel`, and if not, when may it. A pure function: the caller passes the send history (the
/// store keeps `longestWindow` of it per recipient identity) and the time. It does not decide which messages it
/// applies to (transactional ones are exempt), does not record sends and does not pick between drop and defer.
///
/// A rule `{ max, per, channel }` counts the sends on `channel` (every channel when nil) at instants `at` with
/// `now - per < at`: a send leaves the window `per` after it went. A rule without a channel binds every message; a
/// rule with one binds only messages about to go on that channel. A message is capped when any binding rule already
/// counts `max` sends; it is free again when enough of the counted sends have left every such window.
public struct FrequencyCap: Sendable, Equatable {
    public struct Rule: Sendable, Equatable, CustomStringConvertible {
        /// Sends allowed in any window of length `per`; at least 1 (the config refuses 0, `check` reads it as 1).
        public var max: Int
        public var per: Duration
        /// Only sends on (and messages for) this channel; nil: all channels.
        public var channel: String?

        public init(max: Int, per: Duration, channel: String? = nil) {
            self.max = max
            self.per = per
            self.channel = channel
        }

        /// "3 per 1d", "1 per 4h on push": for the `capped` log line.
        public var description: String {
            "\(max) per \(DurationText.format(per))" + (channel.map { " on \($0)" } ?? "")
        }

        func binds(_ channel: String) -> Bool {
            self.channel == nil || self.channel == channel
        }
    }

    public enum Decision: Sendable, Equatable {
        case pass
        /// `rule` is the index in `rules` of the rule that binds longest; `freeAt` (unix ms) is when every binding
        /// rule would let the message go, if nothing else is sent meanwhile (for `on_cap = "defer"`).
        case capped(rule: Int, freeAt: Int64)
    }

    public var rules: [Rule]

    public init(rules: [Rule] = []) {
        self.rules = rules
    }

    /// No rules: every message passes, and no history need be kept.
    public var isEmpty: Bool { rules.isEmpty }

    /// How much send history a check can look at; the store may forget sends older than this.
    public var longestWindow: Duration {
        rules.map(\.per).max() ?? .zero
    }

    /// Whether a message may go on `channel` at `now` (unix ms), given the recipient's earlier sends.
    public func check(channel: String, sentAt: [(channel: String, at: Int64)], now: Int64) -> Decision {
        var binding: (rule: Int, freeAt: Int64)?
        var counted: [Int64] = []
        for (index, rule) in rules.enumerated() where rule.binds(channel) {
            let windowStart = now - rule.per.milliseconds
            counted.removeAll(keepingCapacity: true)
            for send in sentAt where send.at > windowStart && (rule.channel == nil || send.channel == rule.channel) {
                counted.append(send.at)
            }
            let allowed = Swift.max(rule.max, 1)
            guard counted.count >= allowed else { continue }
            // Sending is allowed again once only max - 1 counted sends remain: when the (count - max + 1)th oldest
            // has left the window.
            counted.sort()
            let freeAt = counted[counted.count - allowed] + rule.per.milliseconds
            if let current = binding, current.freeAt >= freeAt { continue }
            binding = (index, freeAt)
        }
        guard let binding else { return .pass }
        return .capped(rule: binding.rule, freeAt: binding.freeAt)
    }
}
