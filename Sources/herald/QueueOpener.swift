import HeraldCore
import HeraldPostgres
import Logging

/// The queue a command beside the daemon reads: the `[database]` one when the config has it, else SQLite under
/// `state`.
func openQueue(_ config: HeraldConfig) throws -> any MessageQueue {
    guard let database = config.database else { return try QueueStore(directory: config.state) }
    var logger = Logger(label: "herald")
    logger.logLevel = .warning
    return try PostgresQueue(PostgresState(database, logger: logger))
}
