import Metrics

/// The built-in mode in `/metrics`: open streams, messages written and not yet acked, and refused requests by
/// reason (`signature`, `origin`, `max_streams`, `max_pending`). Instruments come from the process's
/// `MetricsSystem` (the executable bootstraps Prometheus), so the plugin imports no exporter.
struct ChatMetrics: Sendable {
    let streams: Gauge
    let pending: Gauge
    let channel: String

    init(channel: String) {
        self.channel = channel
        streams = Gauge(label: "herald_chat_streams", dimensions: [("channel", channel)])
        pending = Gauge(label: "herald_chat_pending", dimensions: [("channel", channel)])
    }

    func update(_ hub: ChatHub) {
        streams.record(hub.openStreams)
        pending.record(hub.pendingMessages)
    }

    func refused(_ reason: String) {
        Counter(label: "herald_chat_refused_total", dimensions: [("channel", channel), ("reason", reason)]).increment()
    }
}
