import HeraldCore
import HeraldPostgres
import Logging

/// The queue a command beside the daemon reads: the `[database]` one when the config has it, else SQLite under
/// `state`.
func openQueue(_ config: HeraldConfig) throws -> any MessageQueue {
    guard let database = config.database else { return try QueueStore(directory: config.state) }
    return try PostgresQueue(commandState(database))
}

/// The suppression list a command beside the daemon changes or reads: the `[database]` one when the config has
/// it, else `policy.sqlite` under `state`.
func openSuppressions(_ config: HeraldConfig) throws -> any SuppressionList {
    guard let database = config.database else { return try SuppressionStore(directory: config.state) }
    return try PostgresSuppressions(commandState(database))
}

/// The event counts `herald stats` reads: the cluster's with `[database]`, else this host's `events.sqlite`.
func openStats(_ config: HeraldConfig) throws -> any StatsSource {
    guard let database = config.database else { return try StatsQuery(directory: config.state) }
    return try PostgresStats(commandState(database))
}

/// A command's connection settings: only warnings reach its terminal.
func commandState(_ database: HeraldConfig.Database) -> PostgresState {
    var logger = Logger(label: "herald")
    logger.logLevel = .warning
    return PostgresState(database, logger: logger)
}
