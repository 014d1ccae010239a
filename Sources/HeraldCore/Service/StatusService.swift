import Foundation
import HeraldPluginAPI
import Logging
import Synchronization
import ServiceLifecycle

/// Tells systemd how the daemon is: `READY=1` once intake finished its first scan, `STATUS=` with queue counts,
/// `WATCHDOG=1` at half of `WATCHDOG_USEC`, and `STOPPING=1` as soon as a graceful shutdown begins. Started
/// last, so it is the first to hear of the shutdown.
public final class StatusService: Service, Sendable {
    private let notify: SystemdNotify
    private let store: any MessageQueue
    private let channels: [String]
    private let doorbell = Doorbell()
    private let ready = StopFlag()
    /// What must still be up before READY=1: the first spool scan, and the HTTP listener when `[http]` is on.
    private let waitingFor: Mutex<Set<ReadyPart>>
    /// Set when intake or dispatch changed the queue since the last STATUS=; an idle daemon does not count rows.
    private let changed = Atomic<Bool>(true)

    private let metrics: DeliveryMetrics?
    /// Each channel's concurrency now and its ceiling (set once the dispatcher exists).
    private let concurrency = Mutex<@Sendable () -> [ChannelStatus]>({ [] })
    /// Where `herald queue` reads the channels' current concurrency: STATE/channels.json.
    private let channelsFile: String?

    /// A part of the daemon that must be up before it says it is ready.
    public enum ReadyPart: Sendable, Hashable {
        case firstScan, httpListener
    }

    public init(
        notify: SystemdNotify, store: any MessageQueue, channels: [String], metrics: DeliveryMetrics? = nil,
        channelsFile: String? = nil, waitingFor parts: Set<ReadyPart> = [.firstScan]
    ) {
        waitingFor = Mutex(parts)
        self.notify = notify
        self.store = store
        self.channels = channels
        self.metrics = metrics
        self.channelsFile = channelsFile
    }

    public func reportConcurrency(_ source: @escaping @Sendable () -> [ChannelStatus]) {
        concurrency.withLock { $0 = source }
    }

    /// Publishes the channels' concurrency to /metrics, and it with the down destinations to STATE/channels.json
    /// (only when something changed).
    private func publishConcurrency(last: inout [ChannelStatus]) {
        let now = concurrency.withLock { $0 }()
        for entry in now { metrics?.updateConcurrency(channel: entry.channel, limit: entry.limit) }
        guard now != last, let channelsFile else { return }
        last = now
        var writer = JSONWriter()
        writer.value(.object(Dictionary(now.map { ($0.channel, $0.jsonValue) }, uniquingKeysWith: { first, _ in first })))
        let directory = (channelsFile as NSString).deletingLastPathComponent
        let name = (channelsFile as NSString).lastPathComponent
        try? SpoolFile.writeAtomically(writer.bytes, directory: directory, name: name, sync: false)
    }

    /// The first spool scan is done and the HTTP listener, when on, is up (what `/readyz` and READY=1 report).
    public var isReady: Bool { ready.isSet }

    /// The queue changed: the next tick refreshes STATUS= (at most every `statusInterval`).
    public func queueChanged() {
        changed.store(true, ordering: .relaxed)
    }

    /// Called by intake after its first full scan.
    public func markReady(_ part: ReadyPart = .firstScan) {
        let allUp = waitingFor.withLock { parts in
            parts.remove(part)
            return parts.isEmpty
        }
        guard allUp else { return }
        ready.set()
        doorbell.ring()
    }

    public func run() async throws {
        let watchdog = SystemdNotify.watchdogInterval
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { await self.loop(watchdog: watchdog) }
        } onGracefulShutdown: {
            self.notify.send("STOPPING=1\nSTATUS=draining in-flight deliveries")
        }
    }

    static let statusInterval: Duration = .seconds(5)

    private func loop(watchdog: Duration?) async {
        var announced = false
        var published: [ChannelStatus] = []
        while !Task.isCancelled {
            await doorbell.wait(timeout: min(watchdog ?? .seconds(30), Self.statusInterval))
            if Task.isCancelled { break }
            if !announced, ready.isSet {
                changed.store(false, ordering: .relaxed)
                notify.send("READY=1\nSTATUS=\(status())")
                announced = true
            } else if announced {
                var lines: [String] = []
                if watchdog != nil { lines.append("WATCHDOG=1") }
                publishConcurrency(last: &published)
                if changed.exchange(false, ordering: .relaxed) {
                    lines.append("STATUS=\(status())")
                    if let metrics, let counts = try? store.counts() { metrics.updateQueue(counts) }
                }
                if !lines.isEmpty { notify.send(lines.joined(separator: "\n")) }
            }
        }
    }

    private func status() -> String {
        guard let counts = try? store.pendingCounts(channels: channels) else { return "running" }
        let parked = counts[.parked] ?? 0
        return "queued \(counts[.queued] ?? 0), deferred \(counts[.deferred] ?? 0), "
            + (parked > 0 ? "parked \(parked), " : "") + "in flight \(counts[.inflight] ?? 0)"
    }
}
