/// What `herald check --probe` learned about one target of a channel: a relay, an endpoint, a provider. A plugin
/// returns one per target it would talk to, so a channel with three webhook endpoints reports three lines and one
/// dead endpoint cannot hide behind two live ones. A value type that can grow fields (STYLE 6); not an `Outcome`:
/// a probe delivers nothing, so there is nothing for the core to retry, suppress or dead-letter.
public struct ProbeResult: Sendable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable, Equatable {
        /// Every step the plugin tried went through.
        case ok
        /// A step failed; `step` says which and `reason` why. `herald check --probe` exits 1.
        case failed
        /// The plugin has nothing to try (no network, no credentials): neither a pass nor a failure.
        case notProbed = "not probed"
    }

    /// Where a probe stopped, so an operator knows which layer to look at (name resolution, the network, TLS
    /// trust, credentials, or the peer's answer). Raw values are stable: they are printed and may label metrics.
    public enum Step: String, Sendable, Equatable, CaseIterable {
        case dns
        case connect
        case tls
        case auth
        case timeout
        /// Something on this host: a directory that is missing or not writable, a key file that cannot be read.
        case local
        /// The peer answered, but not as it should (a 5xx, an SMTP refusal of a command, a write failure).
        case reply
    }

    /// What was probed, as an operator recognises it from the config ("smtp://relay.example:587",
    /// "endpoint loyalty https://loyalty.example"), never with a password, token or recipient in it.
    public var target: String
    public var status: Status
    /// Set when `status` is `.failed`.
    public var step: Step?
    /// The peer's or libcurl's own words ("221 Bye", "curl:7 Failed to connect…"), shortened for a terminal.
    public var reason: String

    public init(target: String, status: Status, step: Step? = nil, reason: String) {
        self.target = target
        self.status = status
        self.step = step
        self.reason = Self.shorten(reason)
    }

    public static func ok(_ target: String, _ reason: String) -> ProbeResult {
        ProbeResult(target: target, status: .ok, reason: reason)
    }

    public static func failed(_ target: String, _ step: Step, _ reason: String) -> ProbeResult {
        ProbeResult(target: target, status: .failed, step: step, reason: reason)
    }

    /// "ok", "not probed" or "failed (tls)".
    public var label: String {
        guard status == .failed, let step else { return status.rawValue }
        return "failed (\(step.rawValue))"
    }

    public var description: String { "\(target): \(label): \(reason)" }

    /// One line of at most 300 characters: peer text can be long or multi-line, and a terminal line is enough.
    static func shorten(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= 300 ? line : String(line.prefix(299)) + "…"
    }
}
