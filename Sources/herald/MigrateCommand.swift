import ArgumentParser
import HeraldCore
import HeraldPostgres

/// `herald migrate`: brings the `[database]` schema up to this build's version, under an advisory lock so hosts
/// starting together take turns. The daemon runs the same at start; this is for doing it before a roll-out.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the [database] schema migrations this build needs (also done at start).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        guard let database = config.database else {
            printError("\(config.file) has no [database]: the state is SQLite under \(config.state), which migrates itself")
            throw ExitCodes.config
        }
        do {
            let applied = try await PostgresMigrations.apply(commandState(database))
            print(applied.isEmpty
                ? "database \(database.database) on \(database.host): up to date (version \(PostgresMigrations.latest))"
                : "database \(database.database) on \(database.host): applied \(applied.map(String.init).joined(separator: ", "))")
        } catch {
            printError("database \(database.database) on \(database.host):\(database.port): \(PostgresErrorText.describe(error))")
            throw ExitCode(1)
        }
    }
}
