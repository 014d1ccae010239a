import ArgumentParser
import HeraldCore
import HeraldPostgres
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
                sharedQueue: { config in try await Self.sharedQueue(config, logger: logger) },
                addOns: { try HTTPAddOn.services($0) + CallbackAddOn.services($0) })
        } catch let error as HeraldService.StartError {
            printError(error.description)
            if case .config = error { throw ExitCodes.config }
            throw ExitCodes.cannotCreate
        }
    }
}

extension RunCommand {
    /// The `[database]` queue: the schema migrated first (hosts starting together take turns), then the queue and
    /// its lease upkeep.
    static func sharedQueue(_ config: HeraldConfig, logger: Logger) async throws -> SharedQueue? {
        guard let database = config.database else { return nil }
        let state = PostgresState(database, logger: logger)
        do {
            try await PostgresMigrations.apply(state)
        } catch {
            throw PostgresStartError(text: "\(database.database) on \(database.host):\(database.port): \(PostgresErrorText.describe(error))")
        }
        let queue = try PostgresQueue(state)
        let caps = config.policy.frequencyCap
        let shared = caps.isEmpty ? nil : PostgresCaps(sharingConnectionsOf: queue, caps: caps)
        let stats = PostgresStats(sharingConnectionsOf: queue, retain: config.retention.statsRetain)
        return SharedQueue(queue: queue, suppressions: PostgresSuppressions(sharingConnectionsOf: queue), caps: shared,
            budgets: PostgresBudgets(sharingConnectionsOf: queue), counters: stats,
            destinations: PostgresDestinations(sharingConnectionsOf: queue)
        ) { wake in
            [
                PostgresLeases(
                    state: state, queue: queue, caps: shared, stats: stats, dedupWindow: config.retention.dedupWindow,
                    onWork: wake),
                PostgresWakeups(state: state, onWork: wake),
            ]
        }
    }
}

struct PostgresStartError: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
