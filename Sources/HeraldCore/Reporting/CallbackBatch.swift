import HeraldCrypto
import HeraldPluginAPI

/// One status-callback request as Standard Webhooks defines it (PROTOCOLS §5.1): the body
/// `{"type":"herald.events","timestamp":…,"data":{"events":[…]}}` holding delivery-log objects byte for byte, and
/// the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers. The id names the outbox window
/// ("evt_<first seq>-<last seq>"), so every retry of a window carries the same id while the timestamp and the
/// signature are per attempt. Pure: building and signing only; `CallbackService` sends and retries.
struct CallbackBatch: Sendable, Equatable {
    /// The webhook id: stable for the window, unique because sequence numbers are never reused.
    let id: String
    /// Acknowledging through this sequence number retires the whole window, filtered-out events included.
    let lastSeq: Int64
    /// The events to send, in outbox order: each a delivery-log JSON object.
    let events: [[UInt8]]

    /// The window `entries` (in outbox order), keeping only events named in `kinds`; nil for an empty window.
    init?(entries: [OutboxEntry], kinds: Set<String>) {
        guard let first = entries.first, let last = entries.last else { return nil }
        id = "evt_\(first.seq)-\(last.seq)"
        lastSeq = last.seq
        events = entries.filter { kinds.contains($0.event) }.map(\.json)
    }

    /// The request body; `now` (milliseconds) becomes its RFC 3339 `timestamp`.
    func body(now: Int64) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 96 + events.reduce(0) { $0 + $1.count + 1 })
        writer.raw(#"{"type":"herald.events","timestamp":"#)
        writer.string(Timestamp.format(now))
        writer.raw(#","data":{"events":["#)
        for (index, event) in events.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.appendRaw(event)
        }
        writer.raw("]}}")
        return writer.bytes
    }

    /// Headers for one attempt at `now` (milliseconds): signed with `secret` when there is one.
    func headers(body: [UInt8], now: Int64, secret: [UInt8]?) -> [String] {
        let seconds = now / 1000
        var headers = [
            "content-type: application/json", "webhook-id: \(id)", "webhook-timestamp: \(seconds)",
        ]
        if let secret {
            // The same signer as the webhook plugin's (HeraldCrypto), so both verify with one receiver library.
            let signature = StandardWebhookKey(bytes: secret).signature(id: id, timestamp: seconds, body: body)
            headers.append("webhook-signature: " + signature)
        }
        return headers
    }
}
