import HeraldPluginAPI
import Logging
import ServiceLifecycle

/// Status callbacks: drains the event ledger's outbox to one HTTP endpoint as Standard Webhooks POSTs
/// (`CallbackBatch`), at least once and in order. A window of up to `batch` events is sent until the endpoint
/// answers 2xx, then acknowledged; any other answer, or a network error (status 0), retries the same window under
/// the same webhook id after a backoff of 1 s doubling to 5 min, with jitter. Events are filtered at send time:
/// only those whose name is in `events` go into the body, and a window with none is acknowledged without a request
/// (give the ledger the same set as `callbackEvents` so that the others never take an outbox row; the filter here
/// still holds for rows recorded under an older configuration). Sleeps on the ledger's doorbell when the outbox is
/// empty; on graceful shutdown it stops at once, and what was not acknowledged is sent after the next start.
/// Not an HTTP client: the sender is a closure, so HeraldCore stays free of the transport.
public final class CallbackService: Service, Sendable {
    /// Sends one POST and returns the HTTP status, or 0 for a network error or timeout.
    public typealias Send = @Sendable (_ url: String, _ headers: [String], _ body: [UInt8]) async -> Int

    /// 1 s, doubling to 5 min; the jitter picks a delay between the minimum and the current cap.
    public static let defaultRetry = RetryPolicy(min: .seconds(1), max: .seconds(300), maxAge: .seconds(0))
    /// With an empty outbox a missed ring costs at most this much delay, and no work is done on the way.
    static let idleCheck: Duration = .seconds(60)

    private let ledger: EventLedger
    private let url: String
    private let secret: [UInt8]?
    private let batch: Int
    private let events: Set<String>
    private let logger: Logger
    private let retry: RetryPolicy
    private let send: Send

    public init(
        ledger: EventLedger, url: String, secret: [UInt8]?, batch: Int, events: Set<String>, logger: Logger,
        retry: RetryPolicy = CallbackService.defaultRetry, send: @escaping Send
    ) {
        self.ledger = ledger
        self.url = url
        self.secret = secret
        self.batch = max(1, batch)
        self.events = events
        self.logger = logger
        self.retry = retry
        self.send = send
    }

    /// New events are in the outbox. `EventLedger.record` rings the same bell itself, so this is only needed
    /// after changes the ledger does not see.
    public func wake() {
        ledger.outboxChanged.ring()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var failures = 0
        while !Task.isCancelled {
            let dropped = ledger.takeDroppedCount()
            if dropped > 0 {
                logger.error("status callbacks: outbox over its limit, \(dropped) oldest events dropped unsent")
            }
            let window: CallbackBatch
            do {
                guard let next = CallbackBatch(entries: try ledger.pending(limit: batch), kinds: events) else {
                    await ledger.outboxChanged.wait(timeout: Self.idleCheck)
                    continue
                }
                window = next
            } catch {
                failures += 1
                await pause(after: failures, because: "cannot read the outbox: \(error)", batch: nil)
                continue
            }
            if !window.events.isEmpty {
                let status = await post(window)
                guard (200..<300).contains(status) else {
                    failures += 1
                    let reason = status == 0 ? "network error or timeout" : "endpoint answered \(status)"
                    await pause(after: failures, because: reason, batch: window.id)
                    continue
                }
            }
            do {
                try ledger.acknowledge(through: window.lastSeq)
            } catch {
                // The receiver has the batch; it will get it again (at least once) under the same id.
                failures += 1
                await pause(after: failures, because: "cannot acknowledge in the outbox: \(error)", batch: window.id)
                continue
            }
            if failures > 0 {
                logger.notice("status callbacks: delivering again after \(failures) failed attempts")
                failures = 0
            }
        }
    }

    private func post(_ window: CallbackBatch) async -> Int {
        let now = Clock.nowMillis()
        let body = window.body(now: now)
        return await send(url, window.headers(body: body, now: now, secret: secret), body)
    }

    private func pause(after failures: Int, because reason: String, batch: String?) async {
        let delay = retry.backoff(afterAttempt: failures, unit: Double.random(in: 0..<1))
        let what = batch.map { "batch \($0)" } ?? "outbox"
        logger.warning(
            "status callbacks: \(reason); retrying \(what) in \(DurationText.format(delay)) (attempt \(failures))")
        try? await Task.sleep(for: delay)
    }
}
