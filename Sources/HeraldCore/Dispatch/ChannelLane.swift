import HeraldPluginAPI
import Logging
import Synchronization

/// Sends one channel's queue: claims due messages by priority then age, keeps at most `concurrency` deliveries in
/// flight (in batches of up to `batch`), applies the sending policy, spends rate tokens (per channel and per
/// recipient domain), hands batches to the plugin and passes each outcome through `OutcomeDecision` (or a fallback
/// route) to the recorder. Throttling holds the lane until the hint passes; a credentials error pauses it (DESIGN §6).
final class ChannelLane: Sendable {
    /// A claimed message ready for its plugin: the delivery, its queue row and the decoded message.
    typealias Prepared = (delivery: Delivery, row: QueueRow, message: Message)

    struct Shared: Sendable {
        var store: any MessageQueue
        var recorder: Recorder
        var retry: RetryPolicy
        var logger: Logger
        /// The time the lane decides with (`TimeSource`); its waits stay on real time.
        var time: TimeSource = .system
        /// Who is in which list already, for a remove that meets a waiting add (`ChannelLane+Linger`).
        var memberships: MembershipLedger?
        /// The cluster's rate budgets (`[database]`); nil: the rates are this host's.
        var budgets: (any RateBudgets)?
        /// The cluster's down destinations (`[database]`); nil: this host's alone.
        var destinations: (any SharedDestinations)?
    }

    let channel: ChannelRuntime
    let doorbell = Doorbell()
    let shared: Shared
    private let preparer: DeliveryPreparer
    let report: OutcomeReport
    let peerText: PeerText
    let inflight = Atomic<Int>(0)
    /// Plugin calls in flight on a channel with `batch_linger` (its `concurrency` counts these).
    let callsInFlight = Atomic<Int>(0)
    private let domains: DomainLimiter?
    let policy: LanePolicy?
    /// AIMD over the configured concurrency (`adaptive_concurrency = true`); nil: the configured value holds.
    let adaptive: AdaptiveConcurrency?
    /// Until when (ms) the lane sends nothing: after a throttle or a credentials error.
    private let holdUntil = Atomic<Int64>(0)
    /// Which of the lane's destinations are down (`ChannelLane+Destinations.swift`).
    let health: Mutex<DestinationHealth>
    /// The other hosts' view of this channel's destinations, with `[database]`.
    let cluster: ClusterDestinations?
    /// Per-domain rates are configured, so each recipient domain is a destination of its own.
    var hasDomainRates: Bool { domains != nil }

    init(channel: ChannelRuntime, shared: Shared, preparer: DeliveryPreparer, mask: RecipientMask, policy: LanePolicy?) {
        self.channel = channel
        self.policy = policy
        adaptive = channel.adaptiveConcurrency ? AdaptiveConcurrency(maximum: channel.concurrency) : nil
        self.shared = shared
        self.preparer = preparer
        let address = channel.contract.address
        report = OutcomeReport(
            channel: channel.name, plugin: channel.pluginName, mask: mask, parkKey: { address($0.to, $0.endpoint) })
        peerText = PeerText(full: mask.full)
        cluster = shared.destinations.map(ClusterDestinations.init)
        domains = DomainLimiter(
            rates: channel.domainRates, fallback: channel.defaultDomainRate,
            shared: shared.budgets.map { ($0, channel.name) })
        health = Mutex(
            DestinationHealth(
                settings: .init(
                    deadAfter: channel.deadAfter ?? shared.retry.deadAfter, probeMin: shared.retry.min.milliseconds,
                    probeMax: shared.retry.max.milliseconds, ceiling: channel.concurrency)))
    }

    var inFlight: Int { inflight.load(ordering: .relaxed) }

    /// Deliveries allowed in flight now: the adaptive limit, or the configured concurrency.
    var concurrencyLimit: Int { adaptive?.limit ?? channel.concurrency }

    /// Runs until `stopping` is set, then waits for in-flight batches up to `drain`, then cancels them.
    func run(stopping: StopFlag, drain: Duration) async {
        if let linger = channel.batchLinger {
            return await runLingering(stopping: stopping, drain: drain, linger: linger)
        }
        if channel.paused {
            shared.logger.notice("channel \(channel.name) is paused in the config: accepting, not sending")
        }
        var bucket = channel.rate.map { ChannelRate(rate: $0, channel: channel.name, budgets: shared.budgets) }
        // Under a rate, a chunk never exceeds the bucket's burst: the plugin sends a chunk at once, so a larger
        // chunk would go out as one burst after a long wait instead of being spread over time.
        let chunkSize = bucket.map { min(channel.batch, max(1, Int($0.burst))) } ?? channel.batch
        // ... and a claim holds about one second of sending, so rows do not sit in flight while the bucket refills.
        let claimCap = channel.rate.map { max(chunkSize, Int($0.rounded(.up))) } ?? Int.max
        // Claim again only when a quarter of the slots are free: fewer, larger claim transactions.
        let lowWater = { max(1, self.concurrencyLimit / 4) }
        await withDiscardingTaskGroup { group in
            while !stopping.isSet, !Task.isCancelled {
                if await waitedWhileHeld() { continue }
                let now = shared.time.now()
                syncClusterDestinations(now: now)
                if let down = oneDestinationDownUntil(now: now) {
                    await doorbell.wait(timeout: .milliseconds(max(1, down - now)))
                    continue
                }
                let busy = inflight.load(ordering: .relaxed)
                let free = concurrencyLimit - busy
                if free <= 0 || (busy > 0 && free < lowWater()) {
                    await doorbell.wait(timeout: .seconds(1))
                    continue
                }
                let rows: [QueueRow]
                do {
                    rows = try shared.store.claim(
                        channel: channel.name, limit: min(free, claimCap), now: now,
                        excluding: (domains?.held(now: now) ?? []) + downDomainsNotDue(now: now))
                } catch {
                    shared.logger.error("channel \(channel.name): cannot claim messages: \(error)")
                    await doorbell.wait(timeout: .seconds(1))
                    continue
                }
                if rows.isEmpty {
                    let next = (try? shared.store.nextDue(channel: channel.name)) ?? nil
                    let wait = next.map { Duration.milliseconds(max(1, $0 - now)) }
                    await doorbell.wait(timeout: min(wait ?? .seconds(30), .seconds(30)))
                    continue
                }
                var start = 0
                while start < rows.count {
                    let chunk = Array(rows[start..<min(start + chunkSize, rows.count)])
                    start += chunk.count
                    await bucket?.spend(chunk.count, logger: shared.logger)
                    inflight.add(chunk.count, ordering: .relaxed)
                    group.addTask {
                        await self.send(chunk)
                        self.inflight.subtract(chunk.count, ordering: .relaxed)
                        self.doorbell.ring()
                    }
                }
            }
            if await stillBusy(after: drain, { self.inflight.load(ordering: .relaxed) > 0 }) { group.cancelAll() }
        }
    }

    private func send(_ rows: [QueueRow]) async {
        let (prepared, results) = screen(rows, now: shared.time.now())
        await send(screened: prepared, results: results)
    }

    /// Renders claimed rows and applies the sending policy: what may be sent, and the results of the others
    /// (expired, unsendable, suppressed, held by quiet hours or a cap).
    func screen(_ rows: [QueueRow], now: Int64) -> (prepared: [Prepared], results: [Recorder.Result]) {
        var results: [Recorder.Result] = []
        var prepared: [Prepared] = []
        for row in rows {
            switch preparer.prepare(row, now: now) {
            case .ready(let delivery, let row, let message): prepared.append((delivery, row, message))
            case .expired(let row, let message):
                results.append(report.result(row: row, message: message, outcome: nil, decision: .expire, now: now, latencyMs: nil))
            case .unsendable(let row, let message, let reply):
                results.append(
                    report.result(
                        row: row, message: message, outcome: .permanent(reply: reply),
                        decision: .fail(reason: "permanent: \(reply)"), now: now, latencyMs: nil))
            }
        }
        if let policy, !prepared.isEmpty {
            prepared = applyPolicy(policy, to: prepared, now: now, results: &results)
        }
        return (prepared, results)
    }

    /// Sends screened deliveries (spending domain rates, skipping down destinations) in one plugin call, and
    /// records every outcome, with `results` of the screening.
    func send(screened prepared: [Prepared], results: [Recorder.Result]) async {
        let now = shared.time.now()
        var results = results
        var ready: [(Delivery, QueueRow, Message)] = []
        var overBudget: [(id: String, until: Int64)] = []
        var held: [Message] = []
        let budgets = domains?.admit(domains: prepared.map(\.row.domain), now: now) ?? []
        for (index, item) in prepared.enumerated() {
            if index < budgets.count, let until = budgets[index] {
                overBudget.append((item.1.id, until))
                held.append(item.2)
            } else {
                ready.append(item)
            }
        }
        let (admitted, behind) = admitDestinations(ready, now: now)
        let probes = takeClusterProbes(admitted, now: now)
        let routed = probes.go
        ready = routed.map(\.item)
        results += behind.results
        releaseOverBudget(overBudget + behind.release + probes.back)
        held += behind.messages + probes.messages
        if let policy, !held.isEmpty { release(held, policy: policy) }
        if !ready.isEmpty {
            let started = ContinuousClock.now
            var outcomes = await channel.plugin.deliver(ready.map(\.0))
            if Task.isCancelled {  // shutdown: the rows stay in flight and are requeued
                cancelDestinations(routed)
                if let policy { release(ready.map(\.2), policy: policy) }
                return
            }
            let latency = Int64((ContinuousClock.now - started).seconds * 1000)
            if outcomes.count != ready.count {
                shared.logger.error(
                    "plugin \(channel.pluginName) returned \(outcomes.count) outcomes for \(ready.count) deliveries")
                let missing = Outcome.transient(reply: Reply(code: "plugin", text: "no outcome reported"), retryAfter: nil)
                outcomes = Array((outcomes + Array(repeating: missing, count: ready.count)).prefix(ready.count))
            }
            // Peer words quote recipients: masked and bounded once, before any log, row, file or journald line.
            outcomes = zip(ready, outcomes).map { item, outcome in peerText.clean(outcome, recipient: item.0.recipient) }
            let finished = shared.time.now()
            recordDestinations(routed, outcomes: outcomes, now: finished)
            for ((_, row, message), outcome) in zip(ready, outcomes) {
                let decision = OutcomeDecision.decide(
                    outcome,
                    .init(
                        attempt: row.attempts + 1, createdAt: row.createdAt, expiresAt: message.expiresAt,
                        now: finished, retry: shared.retry, credentialsPause: channel.credentialsPause,
                        jitter: Double.random(in: 0..<1), waitingSince: row.parkedAt, maxWait: channel.maxWait))
                applyChannelEffect(outcome, decision: decision, now: finished)
                adaptive?.record(outcome: Self.adaptiveOutcome(outcome), latencyMs: latency)
                if let fallback = fallback(row: row, message: message, outcome: outcome, decision: decision, now: finished) {
                    results.append(fallback)
                } else {
                    results.append(
                        report.result(
                            row: row, message: message, outcome: outcome, decision: decision, now: finished, latencyMs: latency))
                }
            }
            if let policy { remember(zip(ready.map(\.2), outcomes), policy: policy, now: finished) }
        }
        // The slot stays taken until the outcomes are on record: a crash can then re-send at most `concurrency`.
        await shared.recorder.waitUntilRecorded(shared.recorder.submit(results))
    }

    /// Waits up to `drain` for the sends in flight; true (and said in the log) when some still run, for the caller
    /// to cancel: their rows stay in flight and the next start requeues them.
    func stillBusy(after drain: Duration, _ busy: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + drain
        while busy(), ContinuousClock.now < deadline {
            await doorbell.wait(timeout: .milliseconds(100))
        }
        guard busy() else { return false }
        shared.logger.warning("channel \(channel.name): drain timeout; \(inFlight) deliveries go back to the queue")
        return true
    }

    /// A paused channel waits for a ring, a held one (a throttle, a credentials pause) until the hold passes:
    /// true when it waited, so the lane looks again.
    func waitedWhileHeld() async -> Bool {
        if channel.paused {
            await doorbell.wait(timeout: nil)
            return true
        }
        let now = shared.time.now()
        let hold = holdUntil.load(ordering: .relaxed)
        guard hold > now else { return false }
        await doorbell.wait(timeout: .milliseconds(hold - now))
        return true
    }

    /// Only the channel's own trouble slows it: a permanent or recipient failure says nothing about its capacity.
    static func adaptiveOutcome(_ outcome: Outcome) -> AdaptiveConcurrency.Outcome {
        switch outcome {
        case .throttled: .throttled
        case .transient: .transient
        default: .success
        }
    }

    /// Messages over their domain's rate, or behind a down destination, go back to the queue without spending an
    /// attempt, due when the domain has a token again or the destination's next probe may go.
    private func releaseOverBudget(_ rows: [(id: String, until: Int64)]) {
        guard !rows.isEmpty else { return }
        do {
            for (until, group) in Dictionary(grouping: rows, by: \.until) {
                try shared.store.release(ids: group.map(\.id), dueAt: until)
            }
        } catch {
            // They stay in flight until the next start requeues them: delayed, not lost.
            shared.logger.error("channel \(channel.name): cannot hand rows over their domain rate back: \(error)")
        }
    }

    /// Throttles and credential failures slow or stop the whole channel, not only the message.
    private func applyChannelEffect(_ outcome: Outcome, decision: OutcomeDecision, now: Int64) {
        switch (outcome, decision) {
        case (.throttled(_, let hint), _):
            let until = now + (hint ?? shared.retry.min).milliseconds
            if holdUntil.load(ordering: .relaxed) < until {
                holdUntil.store(until, ordering: .relaxed)
                shared.logger.warning("channel \(channel.name) throttled by the peer: holding until \(Timestamp.format(until))")
            }
        case (.credentialsInvalid(let reply), .hold(let until)), (.destinationGone(let reply), .hold(let until)):
            if holdUntil.load(ordering: .relaxed) < until {
                holdUntil.store(until, ordering: .relaxed)
                shared.logger.error(
                    "channel \(channel.name) paused: \(OutcomeReport.pauseReason(outcome)) (\(reply)); messages kept, next try at \(Timestamp.format(until))")
            }
        default:
            break
        }
    }
}
