import HeraldPluginAPI
import Logging

/// The plugins this build knows, by `plugin = "…"` name; the executable fills it from one list
/// (`BuiltinPlugins.swift`). Binds each configured channel to a fresh plugin instance, running the plugin's own
/// config validation, which is how `herald check` and `herald run` share it.
public struct PluginRegistry: Sendable {
    public var plugins: [String: any ChannelPlugin.Type]

    public init(_ types: [any ChannelPlugin.Type]) {
        plugins = Dictionary(types.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each configured channel's contract, by channel name, without building the plugins (the CLI's decoder).
    public func contracts(_ config: HeraldConfig) -> [String: ChannelContract] {
        Dictionary(
            config.channels.map { channel in
                (
                    channel.name,
                    plugins[channel.plugin]?.contract(for: channel.pluginConfig)
                        ?? ChannelContract(addressKind: channel.plugin)
                )
            }, uniquingKeysWith: { first, _ in first })
    }

    /// - Parameter facts: where every channel's plugin reports facts; the daemon connects it to the policy.
    /// - Parameter records: where plugins keep durable records; nil where nothing will be sent.
    public func instantiate(
        _ config: HeraldConfig, logger: Logger, facts: FactSink = FactSink(), records: PluginRecordStore? = nil
    ) throws(ConfigError)
        -> [ChannelRuntime]
    {
        var result: [ChannelRuntime] = []
        for channel in config.channels {
            guard let type = plugins[channel.plugin] else {
                throw channel.pluginConfig.error(
                    "plugin", "unknown plugin \"\(channel.plugin)\"; this build has \(plugins.keys.sorted().joined(separator: ", "))")
            }
            var pluginLogger = logger
            pluginLogger[metadataKey: "channel"] = .string(channel.name)
            let context = PluginContext(
                channel: channel.name, logger: pluginLogger, baseDirectory: config.baseDirectory,
                credentialsDirectory: Environment.get("CREDENTIALS_DIRECTORY"), facts: facts,
                records: records?.records(channel: channel.name))
            let plugin: any ChannelPlugin
            do {
                plugin = try type.init(config: channel.pluginConfig, context: context)
            } catch let error as ConfigError {
                throw error
            } catch {
                throw channel.pluginConfig.error("plugin", "\(channel.plugin): \(error)")
            }
            result.append(ChannelRuntime(config: channel, plugin: plugin))
        }
        return result
    }
}
