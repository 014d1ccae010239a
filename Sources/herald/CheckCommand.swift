import ArgumentParser
import HeraldCore
import HeraldPluginAPI
import Logging

/// `herald check`: validates the config with the code `herald run` uses (exit 78 when invalid, for systemd's
/// `RestartPreventExitStatus=`), and with `--probe` asks every channel's plugin to reach its targets, one printed
/// result per target, exit 1 when one failed. Probes deliver nothing and print no recipient data.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config (the same code `run` uses); print each error with its line. Exit 78 if invalid.",
        discussion: "With --probe, also connect to each channel's relays and endpoints and print one line per target; "
            + "exit 1 if any failed.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Also connect to each channel's relays and endpoints (DNS, TCP, TLS, AUTH); exit 1 if one fails.")
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
        var failures = 0
        for channel in channels {
            let rate = channel.rate.map { "\($0)/s" } ?? "unlimited"
            print(
                "  \(channel.name): plugin \(channel.pluginName), concurrency \(channel.concurrency), "
                    + "batch \(channel.batch)\(channel.batchLinger.map { " (linger \(DurationText.format($0)))" } ?? ""), "
                    + "rate \(rate)\(channel.paused ? ", paused" : "")")
            guard probe else { continue }
            // One line per target, so one dead endpoint of a channel cannot hide behind a live one.
            for result in await channel.plugin.probe() {
                print("    probe \(result)")
                if result.status == .failed { failures += 1 }
            }
        }
        if failures > 0 {
            printError("probe: \(failures) target(s) failed")
            throw ExitCode.failure
        }
    }
}
