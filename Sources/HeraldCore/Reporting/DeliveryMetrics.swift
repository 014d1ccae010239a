import Metrics
import Synchronization

/// The daemon's numbers, as swift-metrics instruments: the delivery log's events counted per event and channel,
/// delivery latency per channel, plugin trouble per outcome, queue depth per state and the concurrency each channel
/// runs at. It names metrics only; which backend stores and exposes them (Prometheus, in `herald run`) is chosen by
/// whoever bootstraps `MetricsSystem`, so HeraldCore never imports an exporter.
///
/// Instruments are made once per label set and cached: at 15,000 events/s a metric object per event would cost
/// more than the delivery. One lock per `record` batch; counters are bumped once per (event, channel) in it.
/// Created without a factory, instruments come from `MetricsSystem.factory` when first used, so a bootstrap that
/// happens after `init` still takes effect.
public final class DeliveryMetrics: Sendable {
    /// Metric names, stable: dashboards and alerts depend on them.
    public enum Name {
        public static let events = "herald_events_total"
        public static let latency = "herald_delivery_latency_seconds"
        public static let pluginErrors = "herald_plugin_errors_total"
        public static let queue = "herald_queue_messages"
        public static let concurrency = "herald_channel_concurrency"
        /// 1 while a destination of the channel is down (`destination_down`), 0 once it is up again.
        public static let destinationDown = "herald_destination_down"
    }

    /// The events that mean a plugin or a channel is in trouble, reported as `outcome`.
    static let troubleEvents: Set<LogEvent.Kind> = [.failed, .deferred, .throttled, .paused]

    private struct EventKey: Hashable {
        var event: LogEvent.Kind
        var channel: String
    }

    private struct QueueKey: Hashable {
        var channel: String
        var state: String
    }

    private struct Instruments {
        var events: [EventKey: Counter] = [:]
        var errors: [EventKey: Counter] = [:]
        var latency: [String: Metrics.Timer] = [:]
        var queue: [QueueKey: Gauge] = [:]
        var concurrency: [String: Gauge] = [:]
        /// Keyed by channel and destination; only destinations that went down at least once.
        var destinations: [QueueKey: Gauge] = [:]
    }

    private let factory: (any MetricsFactory)?
    private let instruments = Mutex(Instruments())

    /// Instruments from the global `MetricsSystem` (bootstrapped by the executable).
    public init() {
        self.factory = nil
    }

    /// Instruments from `factory`, for tests and for embedding without touching the global system.
    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Counts a batch of delivery-log events; `delivered` events with a latency also feed the latency timer.
    public func record(_ events: [LogEvent]) {
        guard !events.isEmpty else { return }
        var counts: [EventKey: Int64] = [:]
        for event in events {
            counts[EventKey(event: event.event, channel: event.channel ?? ""), default: 0] += 1
        }
        instruments.withLock { instruments in
            for (key, count) in counts {
                counter(&instruments.events, key, Name.events, [("event", key.event.rawValue)]).increment(by: count)
                if Self.troubleEvents.contains(key.event) {
                    counter(&instruments.errors, key, Name.pluginErrors, [("outcome", key.event.rawValue)])
                        .increment(by: count)
                }
            }
            for event in events where event.event == .destinationDown || event.event == .destinationUp {
                let key = QueueKey(channel: event.channel ?? "", state: event.destination ?? "")
                let gauge =
                    instruments.destinations[key]
                    ?? makeGauge(Name.destinationDown, [("channel", key.channel), ("destination", key.state)])
                instruments.destinations[key] = gauge
                gauge.record(event.event == .destinationDown ? 1 : 0)
            }
            for event in events where event.event == .delivered {
                guard let latency = event.latencyMs, latency >= 0 else { continue }
                timer(&instruments.latency, channel: event.channel ?? "").recordMilliseconds(latency)
            }
        }
    }

    /// Sets the queue-depth gauges from a fresh count. A (channel, state) seen before but absent now is set to 0:
    /// the store's `GROUP BY` leaves out empty states, and a gauge stuck at its last value would lie.
    public func updateQueue(_ counts: [QueueCount]) {
        var totals: [QueueKey: Int] = [:]
        for count in counts {
            totals[QueueKey(channel: count.channel, state: count.state.rawValue), default: 0] += count.count
        }
        instruments.withLock { instruments in
            for key in instruments.queue.keys where totals[key] == nil {
                instruments.queue[key]?.record(0)
            }
            for (key, total) in totals {
                let gauge =
                    instruments.queue[key]
                    ?? makeGauge(Name.queue, [("channel", key.channel), ("state", key.state)])
                instruments.queue[key] = gauge
                gauge.record(total)
            }
        }
    }

    /// Sets the concurrency a channel currently runs at (it changes with dead-destination backoff).
    public func updateConcurrency(channel: String, limit: Int) {
        instruments.withLock { instruments in
            let gauge = instruments.concurrency[channel] ?? makeGauge(Name.concurrency, [("channel", channel)])
            instruments.concurrency[channel] = gauge
            gauge.record(limit)
        }
    }

    // MARK: Instrument cache

    /// Read when an instrument is made, not at `init`, so a later `MetricsSystem.bootstrap` is honoured.
    private var activeFactory: any MetricsFactory { factory ?? MetricsSystem.factory }

    private func counter(
        _ cache: inout [EventKey: Counter], _ key: EventKey, _ label: String, _ extra: [(String, String)]
    ) -> Counter {
        if let counter = cache[key] { return counter }
        let counter = Counter(label: label, dimensions: [("channel", key.channel)] + extra, factory: activeFactory)
        cache[key] = counter
        return counter
    }

    private func timer(_ cache: inout [String: Metrics.Timer], channel: String) -> Metrics.Timer {
        if let timer = cache[channel] { return timer }
        let timer = Metrics.Timer(label: Name.latency, dimensions: [("channel", channel)], factory: activeFactory)
        cache[channel] = timer
        return timer
    }

    private func makeGauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        Gauge(label: label, dimensions: dimensions, factory: activeFactory)
    }
}
