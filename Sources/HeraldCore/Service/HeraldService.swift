import Foundation
import HeraldPluginAPI
import Logging
import ServiceLifecycle

/// Assembles the daemon from a validated config: spool, queue, delivery log, channels, then one `ServiceGroup`
/// in start order plugins → dispatcher → intake → reload → retention → status, so shutdown runs the other way:
/// systemd hears STOPPING=1, the prune stops, intake stops taking files, dispatch drains, plugins close last.
public enum HeraldService {
    public enum StartError: Error, CustomStringConvertible {
        case config(ConfigError)
        case setup(String)

        public var description: String {
            switch self {
            case .config(let error): "\(error)"
            case .setup(let reason): reason
            }
        }
    }

    /// What the executable's add-on services (the HTTP endpoint) are built from.
    public struct Runtime: Sendable {
        public var config: HeraldConfig
        public var suppressions: any SuppressionList
        public var ledger: EventLedger
        public var isReady: @Sendable () -> Bool
        /// An add-on's HTTP listener is up: READY=1 waits for it when `[http]` is on, so nothing that starts
        /// after the daemon finds its endpoint refusing connections.
        public var listening: @Sendable () -> Void = {}
        public var logger: Logger
        /// The routes channels serve, each under its mount point (`/chat`, or `/chat/CHANNEL` when several
        /// channels of one plugin serve routes).
        public var routes: [(mount: String, routes: PluginRoutes)] = []
    }

    /// - Parameter addOns: services the executable adds (HeraldCore knows no HTTP); they stop before dispatch.
    /// - Parameter sharedQueue: the queue for `[database]` (HeraldCore knows no PostgreSQL); nil: SQLite.
    public static func run(
        configPath: String, registry: PluginRegistry, logger: Logger,
        sharedQueue: @Sendable (HeraldConfig) async throws -> SharedQueue? = { _ in nil },
        addOns: @Sendable (Runtime) throws -> [any Service] = { _ in [] }
    ) async throws {
        let config: HeraldConfig
        let channels: [ChannelRuntime]
        let facts = FactSink()
        do {
            config = try ConfigLoader.load(path: configPath)
            // Opened on first use, after the state lock below is taken: nothing writes before then.
            channels = try registry.instantiate(
                config, logger: logger, facts: facts, records: PluginRecordStore(directory: config.state))
        } catch {
            throw StartError.config(error)
        }
        let layout = SpoolLayout(root: config.spool)
        let store: any MessageQueue
        let shared: SharedQueue?
        let log: DeliveryLog
        let lock: StateLock
        do {
            try layout.create()
            try FileManager.default.createDirectory(atPath: config.state, withIntermediateDirectories: true)
        } catch {
            throw StartError.setup("cannot set up spool, state or log: \(error)")
        }
        do {
            lock = try StateLock(directory: config.state)
        } catch {
            throw StartError.setup("\(error)")
        }
        defer { lock.release() }
        do {
            shared = try await sharedQueue(config)
        } catch {
            throw StartError.setup("cannot reach the [database]: \(error)")
        }
        if config.database != nil, shared == nil {
            throw StartError.setup("this build has no PostgreSQL support for [database]")
        }
        if shared != nil {
            logger.warning(
                "[database]: the queue, the suppression list, frequency caps, rate budgets, dead destinations and stats are shared; status callbacks are still each host's own")
        }
        do {
            store = try shared?.queue ?? QueueStore(directory: config.state)
            log = try DeliveryLog(path: config.log.delivery, logger: logger)
        } catch {
            throw StartError.setup("cannot set up spool, state or log: \(error)")
        }
        let recovered = try store.recoverInFlight(now: Clock.nowMillis())
        if recovered > 0 { logger.notice("recovered \(recovered) in-flight messages from an unclean stop") }

        let localPolicy: SuppressionStore
        do {
            localPolicy = try SuppressionStore(directory: config.state)
        } catch {
            throw StartError.setup("cannot open the policy store in \(config.state): \(error)")
        }
        // The shared list and cap history when there are; otherwise this host's (policy.sqlite).
        let suppressions: any SuppressionList = shared?.suppressions ?? localPolicy
        let contracts = Dictionary(channels.map { ($0.name, $0.contract) }, uniquingKeysWith: { first, _ in first })
        let policies = lanePolicies(
            config, history: localPolicy, sharedCaps: shared?.caps, suppressions: suppressions, contracts: contracts)
        let decoder = MessageDecoder(contracts: contracts)
        let templates = TemplateStore(directory: config.templates)
        let mask = RecipientMask(full: config.log.fullRecipients)
        let memberships: MembershipLedger?
        do {
            memberships = contracts.values.contains { $0.membership != nil } ? try MembershipLedger(directory: config.state) : nil
        } catch {
            throw StartError.setup("cannot open the membership ledger in \(config.state): \(error)")
        }
        let ledger: EventLedger
        do {
            ledger = try EventLedger(
                directory: config.state, callbacks: config.callbacks != nil,
                callbackEvents: config.callbacks.map { Set($0.events.map(\.rawValue)) },
                retain: config.retention.statsRetain)
        } catch {
            throw StartError.setup("cannot open the event ledger in \(config.state): \(error)")
        }
        log.observe { events in
            do {
                try ledger.record(events)
            } catch {
                logger.error("cannot record \(events.count) events for herald stats and callbacks: \(error)")
            }
        }
        let sharedStats = shared?.counters.map { SharedStatsWriter(counters: $0, logger: logger) }
        if let sharedStats { log.observe { sharedStats.add($0) } }
        let metrics = config.http == nil ? nil : DeliveryMetrics()
        if let metrics { log.observe { metrics.record($0) } }
        let status = StatusService(
            notify: SystemdNotify(), store: store, channels: channels.map(\.name), metrics: metrics,
            channelsFile: config.state + "/channels.json",
            waitingFor: config.http == nil ? [.firstScan] : [.firstScan, .httpListener])
        let dispatcher = Dispatcher(
            channels: channels, store: store, decoder: decoder, templates: templates, log: log, layout: layout,
            retry: RetryPolicy(
                min: config.retry.min, max: config.retry.max, maxAge: config.retry.maxAge,
                deadAfter: config.retry.deadAfter), mask: mask,
            drainTimeout: config.drainTimeout, logger: logger, policies: policies, memberships: memberships,
            budgets: shared?.budgets, destinations: shared?.destinations, onRecorded: { status.queueChanged() })
        status.reportConcurrency { dispatcher.status() }
        let factRecorder = FactRecorder(
            store: suppressions, memberships: memberships, log: log, mask: mask, logger: logger,
            wake: { channel, address in
                do {
                    if try store.wake(channel: channel, key: address, now: Clock.nowMillis()) > 0 { dispatcher.wake() }
                } catch {
                    // The parked messages still go when their wait ends; only the early start is lost.
                    logger.error("channel \(channel): cannot wake parked messages: \(error)")
                }
            },
            origins: { id in try? store.origin(id: id) })
        await facts.connect { factRecorder.record($0) }
        let intake = Intake(
            layout: layout, store: store, decoder: decoder,
            settings: .init(
                batch: config.intake.batch, rescan: config.intake.rescan, maxFileSize: config.intake.maxFileSize,
                allowedGroups: try submitGroups(config.intake.submitGroup)),
            log: log, mask: mask, logger: logger,
            onQueued: {
                dispatcher.wake()
                status.queueChanged()
            },
            onFirstScan: {
                logger.info("first spool scan done; ready")
                status.markReady()
            })
        let reload = ReloadService(configPath: configPath, registry: registry, log: log, templates: templates, logger: logger)

        // Services stop in reverse order: the cluster's counters last, so they get the final events too.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = sharedStats.map { [.init(service: $0)] } ?? []
        services += channels.map { .init(service: $0.plugin) }
        services += [.init(service: dispatcher), .init(service: intake), .init(service: reload)]
        if let sqlite = store as? QueueStore {
            services.append(.init(service: RetentionService(
                store: sqlite, settings: .init(window: config.retention.dedupWindow), logger: logger)))
        }
        services += (shared?.services { dispatcher.wake() } ?? []).map { .init(service: $0) }
        let sweeping = channels.compactMap { channel -> OptOutSweep.Channel? in
            guard config.channels.first(where: { $0.name == channel.name })?.removeOnSuppress ?? true,
                let membership = channel.contract.membership
            else { return nil }
            return OptOutSweep.Channel(name: channel.name, membership: membership)
        }
        if let memberships, !sweeping.isEmpty {
            let sweep = OptOutSweep(
                suppressions: suppressions, ledger: memberships, channels: sweeping, store: store, decoder: decoder,
                log: log, mask: mask, logger: logger,
                onQueued: {
                    dispatcher.wake()
                    status.queueChanged()
                })
            services.append(.init(service: sweep))
        }
        var runtime = Runtime(
            config: config, suppressions: suppressions, ledger: ledger, isReady: { status.isReady }, logger: logger)
        runtime.routes = pluginRoutes(channels)
        runtime.listening = { status.markReady(.httpListener) }
        if config.http == nil, let first = runtime.routes.first {
            logger.warning("a channel serves routes under \(first.mount)/ but [http] is off: nothing answers them")
        }
        do {
            services += try addOns(runtime).map { .init(service: $0) }
        } catch {
            throw StartError.setup("cannot start: \(error)")
        }
        services.append(.init(service: status))
        var groupConfig = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = config.drainTimeout + .seconds(10)
        let channelList = channels.map { "\($0.name)(\($0.pluginName))" }.joined(separator: ", ")
        logger.info(
            "herald starting: spool \(config.spool), state \(config.state), queue \(store.location), log \(config.log.delivery), channels \(channelList)")
        try await ServiceGroup(configuration: groupConfig).run()
        logger.info("herald stopped")
    }

    /// One lane policy per channel: suppression always; quiet hours and caps as `[policy]` says; the channel's
    /// default fallback route.
    static func lanePolicies(
        _ config: HeraldConfig, history store: SuppressionStore, sharedCaps: (any CapLedger)? = nil,
        suppressions: any SuppressionList, contracts: [String: ChannelContract]
    ) -> [String: LanePolicy] {
        let policy = config.policy
        var quiet: (@Sendable (Int64, String?) -> Int64?)?
        if let hours = policy.quietHours {
            quiet = { now, timezone in hours.deferral(now: now, timezone: timezone, jitter: .random(in: 0..<1)) }
        }
        let caps = policy.frequencyCap
        var capCheck: (@Sendable (String, [(channel: String, at: Int64)], Int64) -> CapCheck)?
        if !caps.isEmpty {
            capCheck = { channel, sent, now in
                switch caps.check(channel: channel, sentAt: sent, now: now) {
                case .pass: return .pass
                case .capped(let rule, let freeAt): return .capped(rule: caps.rules[rule].description, freeAt: freeAt)
                }
            }
        }
        let history: (any CapLedger)? =
            caps.isEmpty
            ? nil : sharedCaps ?? SendHistory(store: store, window: caps.longestWindow.milliseconds, now: Clock.nowMillis())
        var result: [String: LanePolicy] = [:]
        for channel in config.channels {
            let contract = contracts[channel.name] ?? ChannelContract(addressKind: channel.plugin)
            let gate = PolicyGate(
                store: suppressions, contract: contract, channel: channel.name,
                quietHours: quiet, frequencyCap: capCheck, history: history, deferOnCap: policy.onCap == .defer)
            result[channel.name] = LanePolicy(gate: gate, fallbackDefault: channel.fallback, fallbackAfter: channel.fallbackAfter)
        }
        return result
    }

    /// Each channel's routes under `/SPACE`, or `/SPACE/CHANNEL` when several channels share the space.
    static func pluginRoutes(_ channels: [ChannelRuntime]) -> [(mount: String, routes: PluginRoutes)] {
        let serving = channels.compactMap { channel in channel.plugin.routes.map { (channel.name, $0) } }
        let spaces = Dictionary(grouping: serving, by: { $0.1.space })
        return serving.map { name, routes in
            let shared = (spaces[routes.space]?.count ?? 0) > 1 || routes.underChannel
            return ("/" + routes.space + (shared ? "/" + name : ""), routes)
        }
    }

    /// The submit group plus the daemon's own group, or nil when any group may submit.
    static func submitGroups(_ name: String?) throws -> Set<gid_t>? {
        guard let name else { return nil }
        guard let group = getgrnam(name) else { throw StartError.setup("intake.submit_group: no group named \(name)") }
        return [group.pointee.gr_gid, getegid()]
    }
}
