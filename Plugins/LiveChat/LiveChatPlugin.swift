import HeraldPluginAPI
import HeraldTransport
import Logging
import ServiceLifecycle

/// The `livechat` channel: a proactive message into the chat of a visitor who is on the site now. In the built-in
/// mode the visitor's page holds an event stream open (`/chat/v1/stream`, the widget does it); a message is
/// written to it and is delivered when the page acknowledges it. A visitor with no stream open is not reachable
/// now: the core parks the message until their next stream opens (or `expires_at` / `max_wait` ends the wait).
/// In a provider mode (Chatwoot, Crisp, Intercom, Messenger) the message is an operator's reply in the
/// conversation `to.chat` names; a conversation that is gone, or a Messenger window that is closed, is not
/// reachable here, and the message moves along its fallback route.
public struct LiveChatPlugin: ChannelPlugin {
    public static let name = "livechat"
    let config: LiveChatConfig
    let hub: ChatHub
    private let chatRoutes: ChatRoutes
    private let send: HTTPSender

    static let secretKeys = ["visitor_secret", "api_token", "key", "access_token", "page_token"]

    public static var contract: ChannelContract {
        ChannelContract(
            addressKind: "visitor", address: { recipient, _ in recipient.visitor }, recipientFields: [.visitor],
            secretKeys: secretKeys)
    }

    /// A provider mode sends to `to.chat`, which it declares and checks for its provider.
    public static func contract(for config: PluginConfig) -> ChannelContract {
        let name = (try? config.string("provider")).flatMap { $0 } ?? "builtin"
        guard let provider = LiveChatConfig.Provider(rawValue: name), provider != .builtin else { return contract }
        let idName = ChatTarget.idName(provider)
        return ChannelContract(
            addressKind: "chat",
            address: { recipient, _ in recipient.extensions["chat"]?[idName]?.stringValue },
            secretKeys: secretKeys, recipientExtensions: [ChatTarget.field(for: provider)])
    }

    /// One message per call, each waiting for its ack; many at a time, since a wait costs no more than a
    /// suspended task. Not batches: the core records a call's outcomes together, so an acked message would wait
    /// for its batch-mates' acks (up to `ack_timeout`) before its `delivered` is on record, and a crash in that
    /// window would show it again. (Batches of 64 measured 4,700 msgs/s at 266 µs per message against 3,400 at
    /// 420 µs; outcomes recorded per delivery as they come would give both.)
    public var limits: PluginLimits { PluginLimits(maxBatch: 1, maxConcurrency: 4096, defaultConcurrency: 1024) }

    public init(config: PluginConfig, context: PluginContext) throws {
        try self.init(config: config, context: context, send: HTTPClient.sharedSender)
    }

    init(
        config: PluginConfig, context: PluginContext,
        send: @escaping HTTPSender
    ) throws {
        self.send = send
        let parsed = try LiveChatConfig(config, context: context)
        self.config = parsed
        hub = ChatHub(
            limits: .init(
                maxStreams: parsed.maxStreams, maxPending: parsed.maxPending, ackTimeout: parsed.ackTimeout,
                idleTimeout: parsed.idleTimeout))
        chatRoutes = ChatRoutes(
            channel: context.channel, config: parsed, hub: hub, facts: context.facts,
            metrics: ChatMetrics(channel: context.channel), logger: context.logger)
    }

    public var routes: PluginRoutes? { config.provider == .builtin ? chatRoutes.routes : nil }

    public func run() async throws {
        guard config.provider == .builtin else { return try await gracefulShutdown() }
        // Heartbeats until shutdown, then every stream is closed so the server can stop.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: config.heartbeat)
                hub.heartbeat()
                chatRoutes.metrics.update(hub)
            }
        }
        hub.closeAll()
    }

    public func deliver(_ batch: [Delivery]) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for delivery in batch {
            outcomes.append(config.settings == nil ? await deliver(delivery) : await deliverToProvider(delivery))
        }
        return outcomes
    }

    private func deliverToProvider(_ delivery: Delivery) async -> Outcome {
        guard let settings = config.settings,
            case .success(let target) = ChatTarget.parse(delivery.recipient.extensions["chat"], provider: config.provider)
        else {
            return .permanent(reply: Reply(code: "no_chat", text: "the message has no usable to.chat"))
        }
        var messaging: (type: String, tag: String?)?
        if config.provider == .messenger {
            messaging = MessengerRequest.messagingType(
                target: target, marketing: delivery.metadata.category == "marketing", defaultTag: settings.messageTag,
                now: Clock.nowMillis())
            guard messaging != nil else {
                return .notReachableHere(
                    reply: Reply(code: "window_closed", text: "marketing outside Messenger's 24-hour window; not sent"))
            }
        }
        let request = ProviderRequest.build(
            config.provider, target: target, text: ProviderRequest.text(delivery.content), settings: settings,
            messagingType: messaging)
        let answer = await send([request]).first ?? .failure(TransportError(curlCode: 0, message: "no answer"))
        return ProviderClassifier.classify(answer, provider: config.provider)
    }

    private func deliver(_ delivery: Delivery) async -> Outcome {
        guard let visitor = delivery.recipient.visitor else {
            return .permanent(reply: Reply(code: "no_visitor", text: "the message has no to.visitor"))
        }
        let (written, ack) = await hub.deliver(
            visitor: visitor, messageID: delivery.id, payload: ChatPayload.json(delivery))
        chatRoutes.metrics.update(hub)
        switch (written, ack) {
        case (.notConnected, _):
            return .notReachableNow(reply: Reply(code: "offline", text: "the visitor has no chat open"))
        case (.tooManyPending, _):
            chatRoutes.metrics.refused("max_pending")
            return .transient(
                reply: Reply(code: "max_pending", text: "\(config.maxPending) messages wait for this visitor's ack"),
                retryAfter: .seconds(5))
        case (.written(let seq), .acked?):
            return .delivered(providerID: "event-\(seq)", reply: Reply(code: "ack", text: "acknowledged by the page"))
        case (.written, .timedOut?), (.written, nil):
            return .notReachableNow(
                reply: Reply(code: "no_ack", text: "not acknowledged within \(DurationText.format(config.ackTimeout))"))
        case (.written, .cancelled?):
            return .transient(reply: Reply(code: "cancelled", text: "stopped before the ack"), retryAfter: nil)
        }
    }
}

/// What the page receives for one message: its id (what the ack names), and the content the bubble shows.
enum ChatPayload {
    static func json(_ delivery: Delivery) -> [UInt8] {
        let content = delivery.content
        var writer = JSONWriter(reservingCapacity: 256)
        writer.object([
            ("id", .string(delivery.id)), ("title", content.title.map(JSONValue.string)),
            ("body", (content.body ?? content.text).map(JSONValue.string)), ("url", content.url.map(JSONValue.string)),
            ("campaign", delivery.metadata.campaign.map(JSONValue.string)),
        ])
        return writer.bytes
    }
}
