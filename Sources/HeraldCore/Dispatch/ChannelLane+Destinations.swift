import HeraldPluginAPI

/// The lane's side of dead-destination backoff (`DestinationHealth`): naming each delivery's destination, holding
/// back what goes to a down one (without spending its attempt), letting its probe through, and reporting
/// `destination_down` and `destination_up`. The rule is the core's, the same for every plugin.
extension ChannelLane {
    struct Routed {
        var item: (Delivery, QueueRow, Message)
        var destination: String
        var probe: Bool
    }

    /// Messages that wait behind a down destination, and what became of those that could not wait.
    struct HeldBack {
        var release: [(id: String, until: Int64)] = []
        var messages: [Message] = []
        var results: [Recorder.Result] = []
    }

    /// The recipient domain on a channel with per-domain rates; else what the plugin declares; else the channel.
    func destination(of delivery: Delivery, row: QueueRow) -> String {
        if hasDomainRates, let domain = row.domain { return domain }
        return channel.contract.destination?(delivery) ?? channel.name
    }

    /// Whether every delivery of this lane goes to one destination, the channel: then a down channel need not be
    /// claimed from at all until its next probe.
    var isOneDestination: Bool { !hasDomainRates && channel.contract.destination == nil }

    func admitDestinations(_ items: [(Delivery, QueueRow, Message)], now: Int64) -> (go: [Routed], held: HeldBack) {
        var go: [Routed] = []
        var held = HeldBack()
        for item in items {
            let (delivery, row, message) = item
            let key = destination(of: delivery, row: row)
            let (admission, downSince) = health.withLock { ($0.admit(key, now: now), $0.states[key]?.downSince) }
            switch admission {
            case .open: go.append(Routed(item: item, destination: key, probe: false))
            case .probe: go.append(Routed(item: item, destination: key, probe: true))
            case .closed(let until):
                held.messages.append(message)
                let since = downSince.map { " since \(Timestamp.format($0))" } ?? ""
                let decision = HeldBackDecision.decide(
                    .init(
                        now: now, until: until, downSince: downSince, createdAt: row.createdAt,
                        maxAge: shared.retry.maxAge, fallbackAfterDown: channel.fallbackAfterDown),
                    nextRoute: { policy?.next(for: message, row: row) })
                switch decision {
                case .fallback(let next):
                    held.results.append(
                        report.fallback(
                            row: row, message: message, to: next, code: "destination_down",
                            reason: "destination \(key) down\(since)", now: now))
                case .giveUp:
                    let reason = "gave up after \(DurationText.format(shared.retry.maxAge)): destination \(key) down\(since)"
                    held.results.append(
                        report.result(row: row, message: message, outcome: nil, decision: .fail(reason: reason), now: now, latencyMs: nil))
                case .release(let until):
                    held.release.append((row.id, until))
                }
            }
        }
        return (go, held)
    }

    /// Feeds the outcomes to the destinations' health and reports each change.
    func recordDestinations(_ routed: [Routed], outcomes: [Outcome], now: Int64) {
        let changes = health.withLock { health in
            zip(routed, outcomes).compactMap { route, outcome in
                health.record(route.destination, Self.signal(outcome), probe: route.probe, now: now)
                    .map { (change: $0, reply: outcome.reply) }
            }
        }
        guard !changes.isEmpty else { return }
        publish(changes.map(\.change))
        var events: [LogEvent] = []
        for (change, reply) in changes {
            var event = LogEvent(ts: now, event: .destinationDown, channel: channel.name, plugin: channel.pluginName)
            switch change {
            case .down(let destination, let failures, let nextProbe):
                event.destination = destination
                event.code = reply.code
                event.detail = "\(failures) transient outcomes in a row; last: \(reply.text); one probe per interval"
                event.retryAt = nextProbe
                shared.logger.warning(
                    "channel \(channel.name): destination \(destination) is down after \(failures) transient outcomes (\(reply.code)); next probe at \(Timestamp.format(nextProbe))")
            case .up(let destination, let downSince):
                event.event = .destinationUp
                event.destination = destination
                event.code = reply.code
                event.detail = "a probe was answered after \(DurationText.format(.milliseconds(now - downSince))) down; ramping up from 1 in flight"
                shared.logger.notice("channel \(channel.name): destination \(destination) is up again")
            }
            events.append(event)
        }
        shared.recorder.submit(events: events)
    }

    /// Deliveries admitted but never sent (shutdown): they stop counting in flight, and a probe may go again.
    func cancelDestinations(_ routed: [Routed]) {
        health.withLock { health in
            for route in routed { health.cancel(route.destination, probe: route.probe) }
        }
    }

    /// Until when the lane's one destination is down with no probe due; nil: claim as usual.
    func oneDestinationDownUntil(now: Int64) -> Int64? {
        guard isOneDestination else { return nil }
        return health.withLock { health in
            guard let state = health.states[channel.name], state.downSince != nil else { return nil }
            if state.probing { return now + 1000 }
            return state.nextProbe > now ? state.nextProbe : nil
        }
    }

    /// Down recipient domains whose probe is not due: claims pass over them.
    func downDomainsNotDue(now: Int64) -> [String] {
        guard hasDomainRates else { return [] }
        return health.withLock { health in health.down.filter { $0.nextProbe > now }.map(\.destination) }
    }

    /// The lane's down destinations, for `herald queue` and `/metrics`.
    var downDestinations: [(destination: String, since: Int64, nextProbe: Int64)] {
        health.withLock { $0.down }
    }

    static func signal(_ outcome: Outcome) -> DestinationHealth.Signal {
        switch outcome {
        case .delivered, .permanent, .recipientInvalid: .answered
        case .transient: .transient
        case .throttled, .credentialsInvalid, .destinationGone, .notReachableNow, .notReachableHere: .neutral
        }
    }
}
