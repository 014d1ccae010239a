import HeraldPluginAPI

/// One line of the delivery log (DESIGN §5): what happened to which message, in the words of the peer.
public struct LogEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case accepted, rejected, duplicate, deferred, throttled, delivered, failed, expired, suppressed, capped
        case quietHours = "quiet_hours"
        case fallback, requeued
        /// A channel stopped sending after a credentials error; the message waits.
        case paused
    }

    public var ts: Int64
    public var id: String?
    public var event: Kind
    public var channel: String?
    public var plugin: String?
    public var attempt: Int?
    public var campaign: String?
    public var stage: String?
    public var to: String?
    public var code: String?
    public var detail: String?
    public var providerID: String?
    public var latencyMs: Int64?
    public var retryAt: Int64?
    /// For `rejected`: the spool file and the field at fault.
    public var file: String?
    public var field: String?

    public init(
        ts: Int64, id: String? = nil, event: Kind, channel: String? = nil, plugin: String? = nil, attempt: Int? = nil,
        campaign: String? = nil, stage: String? = nil, to: String? = nil, code: String? = nil, detail: String? = nil,
        providerID: String? = nil, latencyMs: Int64? = nil, retryAt: Int64? = nil, file: String? = nil,
        field: String? = nil
    ) {
        self.ts = ts
        self.id = id
        self.event = event
        self.channel = channel
        self.plugin = plugin
        self.attempt = attempt
        self.campaign = campaign
        self.stage = stage
        self.to = to
        self.code = code
        self.detail = detail
        self.providerID = providerID
        self.latencyMs = latencyMs
        self.retryAt = retryAt
        self.file = file
        self.field = field
    }

    /// The JSON line, keys in the documented order, absent values left out.
    public func write(into writer: inout JSONWriter) {
        writer.object([
            ("ts", .string(Timestamp.format(ts))), ("id", id.map(JSONValue.string)),
            ("event", .string(event.rawValue)), ("channel", channel.map(JSONValue.string)),
            ("plugin", plugin.map(JSONValue.string)), ("attempt", attempt.map { .int(Int64($0)) }),
            ("campaign", campaign.map(JSONValue.string)), ("stage", stage.map(JSONValue.string)),
            ("to", to.map(JSONValue.string)), ("code", code.map(JSONValue.string)),
            ("detail", detail.map(JSONValue.string)), ("provider_id", providerID.map(JSONValue.string)),
            ("latency_ms", latencyMs.map(JSONValue.int)), ("retry_at", retryAt.map { .string(Timestamp.format($0)) }),
            ("file", file.map(JSONValue.string)), ("field", field.map(JSONValue.string)),
        ])
        writer.raw("\n")
    }
}
