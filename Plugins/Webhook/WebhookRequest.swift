import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// A delivery as a Standard Webhooks POST: `{"type", "timestamp", "data": {id, campaign, stage, trigger,
/// category, to, content, data}}`, with `webhook-id` (the message id), `webhook-timestamp` and, when a secret is
/// set, `webhook-signature`.
enum WebhookRequest {
    enum Failure: Error {
        case unknownEndpoint(String)
    }

    static func build(_ delivery: Delivery, config: WebhookConfig, signer: StandardWebhookKey?, now: Int64) throws(Failure)
        -> HTTPRequest
    {
        var url = config.url
        if let endpoint = delivery.metadata.endpoint {
            guard let named = config.endpoints[endpoint] else { throw .unknownEndpoint(endpoint) }
            url = named
        }
        let body = payload(delivery, type: config.eventType, now: now)
        let seconds = now / 1000
        var headers = [
            "Content-Type: application/json", "User-Agent: Herald/1", "webhook-id: \(delivery.id)",
            "webhook-timestamp: \(seconds)",
        ]
        if let signer { headers.append("webhook-signature: " + signer.signature(id: delivery.id, timestamp: seconds, body: body)) }
        return HTTPRequest(
            url: url, method: "POST", headers: headers, body: body, timeout: config.timeout,
            connectTimeout: config.connectTimeout, caFile: config.caFile, version: config.version)
    }

    static func payload(_ delivery: Delivery, type: String, now: Int64) -> [UInt8] {
        let metadata = delivery.metadata
        var writer = JSONWriter(reservingCapacity: 768)
        writer.raw("{\"type\":")
        writer.string(type)
        writer.raw(",\"timestamp\":")
        writer.string(Timestamp.format(now))
        writer.raw(",\"data\":")
        writer.object([
            ("id", .string(delivery.id)), ("attempt", .int(Int64(delivery.attempt))),
            ("campaign", metadata.campaign.map(JSONValue.string)), ("stage", metadata.stage.map(JSONValue.string)),
            ("trigger", metadata.trigger.map(JSONValue.string)), ("category", .string(metadata.category)),
            ("to", delivery.recipient.jsonValue), ("content", delivery.content.jsonValue), ("data", metadata.data),
        ])
        writer.raw("}")
        return writer.bytes
    }
}
