import ArgumentParser
import HeraldCore
import HeraldPluginAPI
import Logging

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config (the same code `run` uses); print each error with its line. Exit 78 if invalid.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Also ask each channel's plugin to check its credentials or reachability.")
    var probe = false

    func run() async throws {
        let config = try options.load()
        let logger = Logger(label: "herald.check")
        let channels: [ChannelRuntime]
        do {
            channels = try builtinPlugins.instantiate(config, logger: logger)
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
        if let warning = InlineSecretCheck.warning(config: config, registry: builtinPlugins) { printError("warning: \(warning)") }
        print("\(options.path): ok, \(channels.count) channel(s)")
        for channel in channels {
            let rate = channel.rate.map { "\($0)/s" } ?? "unlimited"
            var line = "  \(channel.name): plugin \(channel.pluginName), concurrency \(channel.concurrency), "
                + "batch \(channel.batch), rate \(rate)\(channel.paused ? ", paused" : "")"
            if probe {
                let outcome = await channel.plugin.probe()
                line += ", probe: \(outcome.label) \(outcome.reply)"
            }
            print(line)
        }
    }
}
