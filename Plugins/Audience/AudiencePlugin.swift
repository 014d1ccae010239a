import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport
import Logging

/// The `audience` channel: messages add people to, or remove them from, an ad platform's audience, their
/// identifiers normalized and hashed by the provider's rules before they leave the machine. A plugin call holds
/// one audience and action (the contract's batch key); the plugin splits it into requests by `max_rows` and
/// `max_body`, and each member's outcome comes from its request's reply.
public struct AudiencePlugin: ChannelPlugin {
    public static let name = "audience"
    let config: AudienceConfig
    private let normalizer: AudienceNormalizer
    /// The google provider's token source and requests; nil for the others.
    private let google: GoogleAudience?
    private let send: HTTPSender
    private let logger: Logger
    private let channel: String
    private let facts: FactSink

    public static var contract: ChannelContract { AudienceContract.contract(names: []) }

    public static func contract(for config: PluginConfig) -> ChannelContract {
        AudienceContract.contract(names: AudienceContract.names(config), normalizer: AudienceContract.normalizer(config))
    }

    /// A call is one batch of up to 10,000 members (`batch`, filled for up to `batch_linger`, 30 s unless the
    /// channel says otherwise); two calls at a time.
    public var limits: PluginLimits {
        PluginLimits(maxBatch: 10_000, maxConcurrency: 16, defaultConcurrency: 2, defaultBatchLinger: .seconds(30))
    }

    public init(config: PluginConfig, context: PluginContext) throws {
        try self.init(config: config, context: context, send: HTTPClient.sharedSender)
    }

    init(
        config: PluginConfig, context: PluginContext,
        send: @escaping HTTPSender
    ) throws {
        let parsed = try AudienceConfig(config, context: context)
        self.config = parsed
        normalizer = AudienceNormalizer(provider: parsed.provider, defaultCountry: parsed.defaultCountry)
        google = parsed.google.map { GoogleAudience(config: parsed, google: $0, send: send) }
        self.send = send
        logger = context.logger
        channel = context.channel
        facts = context.facts
    }

    public func deliver(_ batch: [Delivery]) async -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: batch.count)
        var groups: [String: (request: AudienceRequest, audienceID: String, members: [AudienceMember])] = [:]
        let names = Set(config.audiences.keys)
        for (index, delivery) in batch.enumerated() {
            guard let field = delivery.fields["audience"], case .success(let request) = AudienceRequest.parse(field, names: names),
                let audienceID = config.audiences[request.name]
            else {
                outcomes[index] = .permanent(reply: Reply(code: "audience", text: "no valid audience object for this channel"))
                continue
            }
            let identity = normalizer.normalize(AudienceMember.identity(of: delivery.recipient))
            guard google == nil ? identity.hasIdentifier : GoogleRequest.hasIdentifier(identity) else {
                // Google matches on no external id, and on an address only when it is whole.
                let wanted =
                    google == nil ? "no email, phone or external id" : "no email, phone or whole address (names, country, postal code)"
                outcomes[index] = .permanent(reply: Reply(code: "no_identifier", text: wanted + " left after normalization"))
                continue
            }
            let key = request.name + "/" + request.action.rawValue
            let member = AudienceMember(
                index: index, id: delivery.id, list: request.name, identity: identity, consent: request.consent)
            groups[key, default: (request, audienceID, [])].members.append(member)
        }
        var chunks: [AudienceChunk] = []
        for key in groups.keys.sorted() {
            guard let group = groups[key] else { continue }
            for chunk in split(group.members) {
                chunks.append(AudienceChunk(audienceID: group.audienceID, action: group.request.action, members: chunk))
            }
        }
        let results: [[Outcome]]
        if let google {
            results = await google.deliver(chunks)
        } else {
            let now = Clock.nowMillis()
            let answers = await send(chunks.map { build($0.members, audienceID: $0.audienceID, action: $0.action, now: now) })
            results = zip(chunks, answers).map { chunk, answer in classify(answer, chunk.members) }
        }
        var changes: [Fact] = []
        for (chunk, chunkOutcomes) in zip(chunks, results) {
            for (member, outcome) in zip(chunk.members, chunkOutcomes) {
                outcomes[member.index] = outcome
                guard case .delivered = outcome,
                    let change = AudienceMembership.change(list: member.list, action: chunk.action, identity: member.identity)
                else { continue }
                changes.append(.membership(channel: channel, messageID: member.id, change))
            }
        }
        // On file before the outcomes are: an opt-out that comes next finds these members.
        await facts.report(changes)
        return outcomes.map { $0 ?? .transient(reply: Reply(code: "cancelled", text: "not sent"), retryAfter: nil) }
    }

    private func split(_ members: [AudienceMember]) -> [[AudienceMember]] {
        switch config.provider {
        case .meta:
            AudienceChunker.chunks(members, maxRows: config.maxRows, maxBody: config.maxBody, overhead: MetaRequest.overhead, size: MetaRequest.size)
        case .google:
            AudienceChunker.chunks(
                members, maxRows: config.maxRows, maxBody: config.maxBody, overhead: GoogleRequest.overhead, size: GoogleRequest.size)
        case .generic:
            AudienceChunker.chunks(
                members, maxRows: config.maxRows, maxBody: config.maxBody, overhead: GenericRequest.overhead, size: GenericRequest.size)
        }
    }

    private func build(_ members: [AudienceMember], audienceID: String, action: AudienceRequest.Action, now: Int64) -> HTTPRequest {
        if let meta = config.meta {
            return MetaRequest.build(members, audienceID: audienceID, action: action, config: config, meta: meta)
        }
        return GenericRequest.build(members, audienceID: audienceID, action: action, config: config, key: config.generic?.key, now: now)
    }

    private func classify(_ answer: Result<HTTPResponse, TransportError>, _ members: [AudienceMember]) -> [Outcome] {
        guard config.meta != nil else { return GenericClassifier.classify(answer, members: members) }
        let verdict = MetaClassifier.classify(answer, members: members)
        if verdict.invalidCount > 0 {
            logger.warning("audience: Meta counted \(verdict.invalidCount) invalid of \(members.count) rows in one request")
        }
        return verdict.outcomes
    }
}
