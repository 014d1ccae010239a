import Logging
import PostgresNIO
import ServiceLifecycle

/// Wakes this host's lanes when another host has work for them: intake, `herald requeue` and the reaper send
/// `NOTIFY herald_work` in the statement that makes messages due (delivered at commit), and this service LISTENs on
/// a connection of its own. Only a hint: a notification lost while the connection is down costs nothing, because
/// `PostgresLeases` rings every second anyway.
public final class PostgresWakeups: Service, Sendable {
    static let channel = "herald_work"
    private let state: PostgresState
    private let onWork: @Sendable () -> Void
    private let logger: Logger

    public init(state: PostgresState, onWork: @escaping @Sendable () -> Void) {
        self.state = state
        self.onWork = onWork
        logger = state.logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var failing = false
        while !Task.isCancelled {
            do {
                let connection = try await state.connect()
                if failing { logger.notice("database: listening for other hosts' work again") }
                failing = false
                do {
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await _ in notifications { onWork() }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if !Task.isCancelled, !failing {
                    logger.warning("database: cannot listen for other hosts' work (\(PostgresErrorText.describe(error))); polling every second")
                }
                failing = true
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
