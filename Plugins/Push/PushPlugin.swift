import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// The `push` channel: one message reaches every live device of its recipient (`to.push`) through that device's
/// service — APNs, FCM or Web Push, whichever of them the channel configures. Dead devices are reported as facts
/// (the core suppresses each, never the person); the delivery's outcome is `PushOutcome`'s.
public struct PushPlugin: ChannelPlugin {
    public static let name = "push"
    public let config: PushConfig
    private let providers: [String: any PushProvider]
    private let channel: String
    private let facts: FactSink

    public static var contract: ChannelContract {
        PushContract.contract(origins: .standard)
    }

    public static func contract(for config: PluginConfig) -> ChannelContract {
        PushContract.contract(origins: PushContract.origins(config))
    }

    /// A batch is the deliveries of one lane turn; each fans out to its devices, all sent at once.
    public var limits: PluginLimits { PluginLimits(maxBatch: 64, maxConcurrency: 4096, defaultConcurrency: 256) }

    public init(config: PluginConfig, context: PluginContext) throws {
        let parsed = try PushConfig(config, context: context)
        var providers: [String: any PushProvider] = [:]
        if let apns = parsed.apns {
            providers["apns"] = try Self.provider(config, "apns", "key_file") {
                try APNsProvider(settings: apns, timeout: parsed.timeout, connectTimeout: parsed.connectTimeout)
            }
        }
        if let fcm = parsed.fcm {
            providers["fcm"] = try Self.provider(config, "fcm", "service_account_file") {
                try FCMProvider(settings: fcm, timeout: parsed.timeout, connectTimeout: parsed.connectTimeout)
            }
        }
        if let webpush = parsed.webpush {
            providers["web"] = try Self.provider(config, "webpush", "vapid_key_file") {
                try WebPushProvider(settings: webpush, config: parsed)
            }
        }
        self.config = parsed
        self.providers = providers
        channel = context.channel
        facts = context.facts
    }

    /// Builds a provider; when its key file cannot be used, the error names `apns.key_file` and says why (herald
    /// check shows it).
    private static func provider(
        _ config: PluginConfig, _ table: String, _ key: String, _ make: () throws -> any PushProvider
    ) throws(ConfigError) -> any PushProvider {
        do {
            return try make()
        } catch {
            guard let nested = (try? config.table(table)) ?? nil else { throw config.error(table, "\(error)") }
            throw nested.error(key, "\(error)")
        }
    }

    init(config: PushConfig, providers: [String: any PushProvider], channel: String, facts: FactSink) {
        self.config = config
        self.providers = providers
        self.channel = channel
        self.facts = facts
    }

    /// One result per configured service; see `PushProbe`.
    public func probe() async -> [ProbeResult] {
        var results: [ProbeResult] = []
        if let apns = providers["apns"] as? APNsProvider { results.append(await PushProbe.apns(apns)) }
        if let fcm = providers["fcm"] as? FCMProvider { results.append(await PushProbe.fcm(fcm)) }
        if providers["web"] != nil { results.append(PushProbe.webpush()) }
        return results
    }

    public func deliver(_ batch: [Delivery]) async -> [Outcome] {
        var items: [String: [(delivery: Int, device: Int, item: PushItem)]] = [:]
        var lines = batch.map { delivery in
            (delivery.recipient.push ?? []).map { PushOutcome.Line(device: $0, result: nil) }
        }
        for (index, delivery) in batch.enumerated() {
            let notification = PushNotification(delivery)
            for (slot, device) in (delivery.recipient.push ?? []).enumerated() where providers[device.platform] != nil {
                items[device.platform, default: []].append(
                    (index, slot, PushItem(delivery: delivery, device: device, notification: notification)))
            }
        }
        // Every provider's requests at once: an APNs outage does not hold Web Push back.
        await withTaskGroup(of: (String, [DeviceResult]).self) { group in
            for (platform, work) in items {
                guard let provider = providers[platform] else { continue }
                group.addTask { (platform, await provider.send(work.map(\.item))) }
            }
            for await (platform, results) in group {
                for (position, result) in zip(items[platform] ?? [], results) {
                    lines[position.delivery][position.device].result = result
                }
            }
        }
        var dead: [Fact] = []
        for (delivery, deviceLines) in zip(batch, lines) {
            for line in deviceLines {
                guard case .dead(let reply)? = line.result, let address = line.device.address else { continue }
                dead.append(
                    .addressDead(
                        channel: channel, messageID: delivery.id, addressKind: PushContract.addressKind, address: address,
                        reason: .tokenInvalid, reply: reply))
            }
        }
        // Suppressed on disk before the outcomes go back: the next message cannot try these devices.
        await facts.report(dead)
        return lines.map(PushOutcome.combine)
    }
}
