import HeraldPluginAPI
import Logging
import ServiceLifecycle

/// Runs one lane per channel plus the recorder that commits their outcomes. On graceful shutdown the lanes stop
/// claiming, in-flight batches get `drainTimeout` to finish, the recorder flushes, and whatever is still in flight
/// goes back to the queue.
public final class Dispatcher: Service, Sendable {
    private let lanes: [ChannelLane]
    private let recorder: Recorder
    private let store: any MessageQueue
    private let drainTimeout: Duration
    private let logger: Logger
    private let time: TimeSource

    init(
        channels: [ChannelRuntime], store: any MessageQueue, decoder: MessageDecoder, templates: TemplateStore,
        log: DeliveryLog, layout: SpoolLayout, retry: RetryPolicy, mask: RecipientMask, drainTimeout: Duration,
        logger: Logger, policies: [String: LanePolicy] = [:], time: TimeSource = .system,
        memberships: MembershipLedger? = nil, budgets: (any RateBudgets)? = nil,
        destinations: (any SharedDestinations)? = nil, onRecorded: @escaping @Sendable () -> Void = {}
    ) {
        let box = LaneBox()
        // Every lane's policy shares one suppression store and one send history.
        let policy = policies.values.first
        let recorder = Recorder(
            store: store, log: log, failedDirectory: layout.failed, logger: logger, suppressions: policy?.store,
            history: policy?.gate.history, time: time,
            afterFlush: {
                box.ringAll()
                onRecorded()
            })
        let shared = ChannelLane.Shared(
            store: store, recorder: recorder, retry: retry, logger: logger, time: time, memberships: memberships,
            budgets: budgets, destinations: destinations)
        lanes = channels.map { channel in
            ChannelLane(
                channel: channel, shared: shared,
                preparer: DeliveryPreparer(channel: channel.name, decoder: decoder, templates: templates), mask: mask,
                policy: policies[channel.name])
        }
        box.lanes = lanes
        self.recorder = recorder
        self.store = store
        self.drainTimeout = drainTimeout
        self.logger = logger
        self.time = time
    }

    /// Each channel's concurrency now (adaptive or configured), its ceiling and its down destinations, for
    /// metrics and `herald queue`.
    public func status() -> [ChannelStatus] {
        lanes.map { lane in
            ChannelStatus(
                channel: lane.channel.name, limit: lane.concurrencyLimit, maximum: lane.channel.concurrency,
                down: lane.downDestinations.map { .init(destination: $0.destination, since: $0.since, nextProbe: $0.nextProbe) })
        }
    }

    /// New work arrived (intake committed, or a requeue): every lane looks.
    public func wake() {
        for lane in lanes { lane.doorbell.ring() }
    }

    public func run() async throws {
        let stopping = StopFlag()
        let lanesDone = StopFlag()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.recorder.run(isDone: { lanesDone.isSet }) }
                group.addTask {
                    await withDiscardingTaskGroup { lanesGroup in
                        for lane in self.lanes {
                            lanesGroup.addTask { await lane.run(stopping: stopping, drain: self.drainTimeout) }
                        }
                    }
                    lanesDone.set()
                    self.recorder.wake()
                }
            }
        } onGracefulShutdown: {
            stopping.set()
            self.wake()
        }
        recorder.finish()
        let requeued = (try? store.recoverInFlight(now: time.now())) ?? 0
        if requeued > 0 { logger.notice("shutdown: \(requeued) in-flight messages went back to the queue") }
    }
}

/// Lets the recorder, built before the lanes, ring them after each flush.
private final class LaneBox: @unchecked Sendable {
    // Written once in Dispatcher.init before any task can read it; read-only afterwards.
    var lanes: [ChannelLane] = []

    func ringAll() {
        for lane in lanes { lane.doorbell.ring() }
    }
}
