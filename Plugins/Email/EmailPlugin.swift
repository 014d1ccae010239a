import HeraldPluginAPI
import HeraldTransport
import Logging
import ServiceLifecycle

/// The `smtp` channel: one SMTP transaction per message and recipient, over libcurl's shared connection pool, so
/// consecutive messages to one relay reuse its connections (no new greeting, EHLO, STARTTLS or AUTH). Messages are
/// MIME-built, List-Unsubscribe'd (marketing) and DKIM-signed here; the core does rates, retries and dead letters.
public struct EmailPlugin: ChannelPlugin {
    public static let name = "smtp"
    public let config: EmailConfig
    private let client = SMTPClient.shared
    private let records: (any PluginRecords)?
    private let attribution: BounceAttribution
    private let maildir: BounceMaildir?
    private let mailbox: (any BounceMailbox)?
    private let facts: FactSink

    /// SMTP cannot multiplex: each delivery in flight is a connection. 16 stays under common relay limits
    /// (Postfix allows 50 per client by default); raise `concurrency` for a relay that allows more.
    public var limits: PluginLimits { PluginLimits(maxBatch: 16, maxConcurrency: 256, defaultConcurrency: 16) }

    public init(config: PluginConfig, context: PluginContext) throws {
        let config = try EmailConfig(config, context: context)
        self.config = config
        records = context.records
        attribution = BounceAttribution(
            channel: context.channel, verp: config.verp, records: context.records, logger: context.logger)
        maildir = config.bounceMaildir.map { [attribution] in
            BounceMaildir(root: $0, attribution: attribution, facts: context.facts, logger: context.logger)
        }
        facts = context.facts
        mailbox = config.bounceIMAP.map { [attribution] settings -> any BounceMailbox in
            switch settings.kind {
            case .imap:
                BounceIMAP(settings: settings, attribution: attribution, records: context.records, facts: context.facts, logger: context.logger)
            case .pop3:
                BouncePOP3(settings: settings, attribution: attribution, records: context.records, facts: context.facts, logger: context.logger)
            }
        }
    }

    /// Reads the bounce Maildir and polls the bounce mailbox, those configured, until shutdown.
    public func run() async throws {
        guard maildir != nil || mailbox != nil else { return try await gracefulShutdown() }
        await cancelWhenGracefulShutdown { [maildir, mailbox] in
            await withTaskGroup(of: Void.self) { group in
                if let maildir { group.addTask { await maildir.watch() } }
                if let mailbox { group.addTask { await mailbox.watch() } }
            }
        }
    }

    public func deliver(_ batch: [Delivery]) async -> [Outcome] {
        let now = Clock.nowMillis()
        var outcomes = [Outcome?](repeating: nil, count: batch.count)
        let handles: [String?]
        switch sendHandles(batch) {
        case .success(let found): handles = found
        case .failure(let failure): return batch.map { _ in .transient(reply: failure.reply, retryAfter: nil) }
        }
        var requests: [SMTPRequest] = []
        var positions: [Int] = []
        for (index, delivery) in batch.enumerated() {
            do throws(MailFormatError) {
                requests.append(try EmailRequest.build(delivery, config: config, now: now, handle: handles[index]))
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

    /// Each delivery's VERP handle, from its send record (made on the first attempt, found again on a retry, so
    /// the return path and Message-ID never change); all nil without `verp`.
    func sendHandles(_ batch: [Delivery]) -> Result<[String?], RecordFailure> {
        guard let verp = config.verp else { return .success(batch.map { _ in nil }) }
        guard let records else { return .failure(RecordFailure(reply: Reply(code: "records", text: "no record store for VERP handles"))) }
        do {
            let entries = batch.map { delivery in
                (key: delivery.id, value: SendRecord(
                    messageID: delivery.id, address: delivery.recipient.email ?? "", campaign: delivery.metadata.campaign,
                    stage: delivery.metadata.stage).json)
            }
            return .success(try records.ids(for: entries, keep: verp.window).map { verp.token(sendID: $0) })
        } catch {
            return .failure(RecordFailure(reply: Reply(code: "records", text: "cannot record the sends for their VERP handles: \(error)")))
        }
    }

    /// The provider webhooks, at `/bounces/CHANNEL/PROVIDER`: each verified event is attributed (by the handle
    /// in the Message-ID the provider echoes) and filed before the provider gets its 200.
    public var routes: PluginRoutes? {
        guard let settings = config.bounceWebhooks else { return nil }
        let fetcher = WebhookFetcher(caFile: settings.ses?.caFile)
        let routes = BounceWebhookRoutes.routes(
            settings,
            report: { [attribution, facts] events in await facts.report(attribution.facts(events)) },
            fetch: { await fetcher.fetch($0) })
        return PluginRoutes(space: "bounces", routes: routes, underChannel: true)
    }

    /// One session to the relay that sends no mail (see `EmailProbe`), and a login to the bounce mailbox.
    public func probe() async -> [ProbeResult] {
        var results = [EmailProbe.result(await client.probe(EmailProbe.request(config)), config: config)]
        if let mailbox { results.append(await mailbox.probe()) }
        return results
    }
}

/// Sends whose VERP handles could not be recorded: they wait for a retry rather than go out unattributable.
struct RecordFailure: Error {
    var reply: Reply
}
