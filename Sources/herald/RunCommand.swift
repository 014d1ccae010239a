import ArgumentParser
import HeraldCore
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the daemon in the foreground (systemd Type=notify; logs to stderr).")

    @OptionGroup var options: ConfigOption

    @Option(help: "Operational log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "herald")
        _ = HTTPAddOn.registry
        do {
            try await HeraldService.run(
                configPath: options.path, registry: builtinPlugins, logger: logger,
                addOns: { try HTTPAddOn.services($0) + CallbackAddOn.services($0) })
        } catch let error as HeraldService.StartError {
            printError(error.description)
            if case .config = error { throw ExitCodes.config }
            throw ExitCodes.cannotCreate
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
