import HeraldPluginAPI
import HeraldTransport

/// The `smtp` channel: one SMTP transaction per message and recipient, over libcurl's shared connection pool, so
/// consecutive messages to one relay reuse its connections (no new greeting, EHLO, STARTTLS or AUTH). Messages are
/// MIME-built, List-Unsubscribe'd (marketing) and DKIM-signed here; the core does rates, retries and dead letters.
public struct EmailPlugin: ChannelPlugin {
    public static let name = "smtp"
    public let config: EmailConfig
    private let client = SMTPClient.shared

    /// SMTP cannot multiplex: each delivery in flight is a connection. 16 stays under common relay limits
    /// (Postfix allows 50 per client by default); raise `concurrency` for a relay that allows more.
    public var limits: PluginLimits { PluginLimits(maxBatch: 16, maxConcurrency: 256, defaultConcurrency: 16) }

    public init(config: PluginConfig, context: PluginContext) throws {
        self.config = try EmailConfig(config, context: context)
    }

    public func deliver(_ batch: [Delivery]) async -> [Outcome] {
        let now = Clock.nowMillis()
        var outcomes = [Outcome?](repeating: nil, count: batch.count)
        var requests: [SMTPRequest] = []
        var positions: [Int] = []
        for (index, delivery) in batch.enumerated() {
            do throws(MailFormatError) {
                requests.append(try EmailRequest.build(delivery, config: config, now: now))
                positions.append(index)
            } catch {
                outcomes[index] = .permanent(reply: Reply(code: "message", text: error.description))
            }
        }
        for (index, response) in zip(positions, await client.send(requests)) {
            outcomes[index] = EmailClassifier.classify(response)
        }
        return outcomes.map { $0 ?? .transient(reply: Reply(code: "cancelled", text: "not sent"), retryAfter: nil) }
    }

    /// One session to the relay that sends no mail; see `EmailProbe`.
    public func probe() async -> [ProbeResult] {
        [EmailProbe.result(await client.probe(EmailProbe.request(config)), config: config)]
    }
}
