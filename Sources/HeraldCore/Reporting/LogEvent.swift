import HeraldPluginAPI

/// One line of the delivery log (DESIGN §5): what happened to which message, in the words of the peer.
public struct LogEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case accepted, rejected, duplicate, deferred, throttled, delivered, failed, expired, suppressed, capped
        /// Ended unsent with the message that undoes it (the detail names it), both in one batch window.
        case cancelled
        case quietHours = "quiet_hours"
        case fallback, requeued
        /// A channel stopped sending after a credentials error; the message waits.
        case paused
        /// An operator lifted a suppression (`herald suppress remove`); `code` is the address kind.
        case unsuppressed
        /// A destination of the channel (`destination`) is down: one probe per interval until it answers.
        case destinationDown = "destination_down"
        /// A probe was answered: the destination is back, ramping up from one delivery in flight.
        case destinationUp = "destination_up"
        /// A plugin reported one address dead (a push token among the recipient's devices) and it is suppressed;
        /// `code` is the address kind, `detail` the reason and the peer's words.
        case addressDead = "address_dead"
        /// Waiting, without spending an attempt, for the recipient to be reachable (a visitor to open the chat);
        /// `retry_at` is when the wait ends.
        case parked
        /// The recipient wrote back (a visitor's chat reply): `to` their masked address, `detail` the text's length
        /// and conversation; the status callbacks carry the text itself.
        case reply
        /// A later hop bounced the message (`code` the status, `detail` hard or soft, the reason and the masked
        /// diagnostic); the id, campaign and stage are the original message's.
        case bounced
        /// A later hop reported the message delayed.
        case delayed
        /// The recipient complained about the message (a feedback-loop report).
        case complained
    }

    public var ts: Int64
    public var id: String?
    public var event: Kind
    public var channel: String?
    public var plugin: String?
    /// For `destination_down` and `destination_up`: the channel's destination (a domain, an endpoint, the channel).
    public var destination: String?
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
    /// For `reply`: the conversation, and the text's length in characters (the log keeps no text).
    public var conversation: String?
    public var length: Int?
    /// For `reply`: what the recipient wrote. Only in status callbacks (the campaign engine acts on it), never in
    /// the delivery log or journald.
    public var text: String?

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

    /// The JSON line, keys in the documented order, absent values left out; `text` only for a status callback.
    public func write(into writer: inout JSONWriter, withText: Bool = false) {
        var timestamps = TimestampText()
        write(into: &writer, timestamps: &timestamps, withText: withText)
    }

    /// Written member by member, without building a list of members first: this runs for every message. `ts`
    /// is always there, so every later member starts with a comma; each prefix `,"name":` is one literal.
    func write(into writer: inout JSONWriter, timestamps: inout TimestampText, withText: Bool = false) {
        writer.raw(#"{"ts":"#)
        writer.string(timestamps.format(ts))
        writer.member(#","id":"#, id)
        writer.member(#","event":"#, event.rawValue)
        writer.member(#","channel":"#, channel)
        writer.member(#","plugin":"#, plugin)
        writer.member(#","destination":"#, destination)
        writer.member(#","attempt":"#, attempt.map(Int64.init))
        writer.member(#","campaign":"#, campaign)
        writer.member(#","stage":"#, stage)
        writer.member(#","to":"#, to)
        writer.member(#","code":"#, code)
        writer.member(#","detail":"#, detail)
        writer.member(#","provider_id":"#, providerID)
        writer.member(#","latency_ms":"#, latencyMs)
        writer.member(#","retry_at":"#, retryAt.map { timestamps.format($0) })
        writer.member(#","file":"#, file)
        writer.member(#","field":"#, field)
        writer.member(#","conversation":"#, conversation)
        writer.member(#","length":"#, length.map(Int64.init))
        if withText { writer.member(#","text":"#, text) }
        writer.raw("}\n")
    }
}

/// The text of the last timestamp formatted, kept for the next: the lines of one batch mostly share their `ts`,
/// and formatting costs more than the rest of a line.
struct TimestampText {
    private var millis: Int64?
    private var text = ""

    mutating func format(_ millis: Int64) -> String {
        if millis != self.millis {
            self.millis = millis
            text = Timestamp.format(millis)
        }
        return text
    }
}

extension JSONWriter {
    /// `prefix` (`,"name":`) and the value, or nothing for nil.
    fileprivate mutating func member(_ prefix: StaticString, _ value: String?) {
        guard let value else { return }
        raw(prefix)
        string(value)
    }

    fileprivate mutating func member(_ prefix: StaticString, _ value: Int64?) {
        guard let value else { return }
        raw(prefix)
        number(value)
    }
}
