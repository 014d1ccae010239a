import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// The `webhook` channel: POSTs each delivery as a signed Standard Webhooks request to the channel's URL or one
/// of its named endpoints, over the shared libcurl loop (keep-alive, HTTP/2 when offered).
public struct WebhookPlugin: ChannelPlugin {
    public static let name = "webhook"
    public let config: WebhookConfig
    private let signer: StandardWebhookKey?
    private let client = HTTPClient.shared

    public var limits: PluginLimits { PluginLimits(maxBatch: 32, maxConcurrency: 1024) }

    public init(config: PluginConfig, context: PluginContext) throws {
        self.config = try WebhookConfig(config, context: context)
        signer = self.config.secret.map(StandardWebhookKey.init(bytes:))
        if signer == nil {
            context.logger.warning("channel \(context.channel): no secret set; webhook requests go out unsigned")
        }
    }

    public func deliver(_ batch: [Delivery]) async -> [Outcome] {
        let now = Clock.nowMillis()
        var outcomes = [Outcome?](repeating: nil, count: batch.count)
        var requests: [HTTPRequest] = []
        var positions: [Int] = []
        for (index, delivery) in batch.enumerated() {
            do {
                requests.append(try WebhookRequest.build(delivery, config: config, signer: signer, now: now))
                positions.append(index)
            } catch {
                let names = config.endpoints.keys.sorted().joined(separator: ", ")
                outcomes[index] = .permanent(reply: Reply(code: "endpoint", text: "unknown endpoint; this channel has: \(names)"))
            }
        }
        // The whole batch goes out concurrently on the shared pool; one suspension for all of it.
        for (index, result) in zip(positions, await client.send(requests)) {
            outcomes[index] = WebhookClassifier.classify(result)
        }
        return outcomes.map { $0 ?? .transient(reply: Reply(code: "cancelled", text: "not sent"), retryAfter: nil) }
    }

    /// One HEAD per configured endpoint, all at once; see `WebhookProbe`.
    public func probe() async -> [ProbeResult] {
        let targets = WebhookProbe.targets(config)
        let answers = await client.send(targets.map { WebhookProbe.request(url: $0.url, config: config) })
        return zip(targets, answers).map { WebhookProbe.result(name: $0.name, url: $0.url, $1) }
    }
}
