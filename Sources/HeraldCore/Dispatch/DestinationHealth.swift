/// Which destinations of one lane are down (DESIGN §6, Postfix's cohort-failure rule), as a value type whose
/// transitions are tested without I/O. A destination is whatever the deliveries share a fate on: the channel, a
/// recipient domain, a provider host. After `deadAfter` consecutive transient outcomes it is down: it gets one
/// probe (a real delivery) per interval, the interval doubling from `probeMin` to `probeMax`; the first answer
/// that is not transient brings it up, at one delivery in flight, doubling with each round of answers until
/// `ceiling`.
/// An outage then costs a probe per interval, not a failed attempt per queued message.
///
/// Healthy destinations with no failures leave no entry, so the map holds only destinations in trouble.
struct DestinationHealth: Sendable, Equatable {
    struct Settings: Sendable, Equatable {
        var deadAfter: Int
        var probeMin: Int64
        var probeMax: Int64
        /// The lane's concurrency: a reopened destination ramps up to it, then is healthy again.
        var ceiling: Int
    }

    /// What the lane may do with one delivery to a destination now.
    enum Admission: Sendable, Equatable {
        case open
        /// The destination is down and this delivery is its probe.
        case probe
        /// Down (or ramping up and full): hand the message back, due at `until`.
        case closed(until: Int64)
    }

    /// What an outcome means for the destination, whatever the plugin.
    enum Signal: Sendable, Equatable {
        /// The destination answered: delivered, or refused this one message (permanent, recipient invalid).
        case answered
        /// Network errors, 5xx, 4xx SMTP: the destination may be down.
        case transient
        /// Says nothing about reachability (a throttle, a credentials error, a message the core held back).
        case neutral
    }

    enum Change: Sendable, Equatable {
        case down(destination: String, failures: Int, nextProbe: Int64)
        case up(destination: String, downSince: Int64)
    }

    struct State: Sendable, Equatable {
        var failures = 0
        var downSince: Int64?
        var nextProbe: Int64 = 0
        var interval: Int64 = 0
        var probing = false
        /// Deliveries allowed in flight while ramping up after an outage; nil: no limit of its own.
        var rampLimit: Int?
        var inFlight = 0
    }

    let settings: Settings
    private(set) var states: [String: State] = [:]

    init(settings: Settings) {
        self.settings = settings
    }

    /// How long a message behind a full ramp waits before it is looked at again.
    static let rampWait: Int64 = 200

    func isDown(_ destination: String) -> Bool { states[destination]?.downSince != nil }

    /// The down destinations: since when, and when the next probe may go.
    var down: [(destination: String, since: Int64, nextProbe: Int64)] {
        states.compactMap { key, state in state.downSince.map { (key, $0, state.nextProbe) } }.sorted { $0.0 < $1.0 }
    }

    /// Decides for one delivery, counting it in flight when it may go.
    mutating func admit(_ destination: String, now: Int64) -> Admission {
        guard var state = states[destination] else { return .open }
        defer { states[destination] = state }
        if state.downSince != nil {
            guard !state.probing, now >= state.nextProbe else {
                return .closed(until: max(state.nextProbe, now + Self.rampWait))
            }
            state.probing = true
            state.inFlight += 1
            return .probe
        }
        if let limit = state.rampLimit, state.inFlight >= limit { return .closed(until: now + Self.rampWait) }
        state.inFlight += 1
        return .open
    }

    /// Records the outcome of a delivery `admit` let go; returns the change it made, if any.
    mutating func record(_ destination: String, _ signal: Signal, probe: Bool, now: Int64) -> Change? {
        var state = states[destination] ?? State()
        state.inFlight = max(0, state.inFlight - 1)
        if probe { state.probing = false }
        var change: Change?
        switch signal {
        case .neutral:
            break
        case .answered:
            state.failures = 0
            if let since = state.downSince {
                state.downSince = nil
                state.rampLimit = 1
                change = .up(destination: destination, downSince: since)
            } else if let limit = state.rampLimit {
                // One more per answer: the limit doubles with each round of answers (TCP's slow start).
                state.rampLimit = limit + 1 >= settings.ceiling ? nil : limit + 1
            }
        case .transient:
            state.failures += 1
            if state.downSince == nil, state.failures >= settings.deadAfter {
                state.downSince = now
                state.interval = settings.probeMin
                state.nextProbe = now + state.interval
                state.rampLimit = nil
                change = .down(destination: destination, failures: state.failures, nextProbe: state.nextProbe)
            } else if probe, state.downSince != nil {
                state.interval = min(state.interval * 2, settings.probeMax)
                state.nextProbe = now + state.interval
            }
        }
        keep(state, for: destination)
        return change
    }

    /// A delivery `admit` let go that was not sent after all (shutdown, a policy hold): it no longer counts.
    mutating func cancel(_ destination: String, probe: Bool) {
        guard var state = states[destination] else { return }
        state.inFlight = max(0, state.inFlight - 1)
        if probe { state.probing = false }
        keep(state, for: destination)
    }

    /// Another host found `destination` down: held back here too, probed when the cluster's next probe is due.
    /// Returns whether anything changed (it was not down here already).
    mutating func adopt(_ destination: String, since: Int64, nextProbe: Int64) -> Bool {
        var state = states[destination] ?? State()
        guard state.downSince == nil else {
            state.nextProbe = max(state.nextProbe, nextProbe)
            states[destination] = state
            return false
        }
        state.downSince = since
        state.interval = settings.probeMin
        state.nextProbe = nextProbe
        state.rampLimit = nil
        states[destination] = state
        return true
    }

    /// Another host's probe was answered: up here too, ramping up from one in flight as after this lane's own.
    mutating func release(_ destination: String) -> Bool {
        guard var state = states[destination], state.downSince != nil, !state.probing else { return false }
        state.downSince = nil
        state.failures = 0
        state.rampLimit = 1
        keep(state, for: destination)
        return true
    }

    /// The probe interval now (ms): what a probe taken for the cluster holds the other hosts off for.
    func probeInterval(_ destination: String) -> Int64 {
        max(states[destination]?.interval ?? settings.probeMin, settings.probeMin)
    }

    /// A destination with nothing to remember (no failures, not down, not ramping, nothing counted in flight)
    /// leaves the map: it holds only destinations in trouble.
    private mutating func keep(_ state: State, for destination: String) {
        let healthy = state.failures == 0 && state.downSince == nil && state.rampLimit == nil && state.inFlight == 0
        states[destination] = healthy ? nil : state
    }
}
