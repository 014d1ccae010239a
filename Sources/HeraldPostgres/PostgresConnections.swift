import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// A few PostgreSQL connections for synchronous callers (the queue's methods, like SQLite's, return when the
/// database has answered). Each call takes an idle connection or opens one, runs its statements, and gives it
/// back. The work runs on postgres-nio's own event loops and the caller waits for it there; nothing waits on a
/// Swift task, so a caller blocking a cooperative thread cannot starve what it waits for.
final class PostgresConnections: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let group: any EventLoopGroup
    let logger: Logger
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextID = Atomic<Int>(1)
    static let keepIdle = 8

    init(_ state: PostgresState) throws {
        configuration = try state.connectionConfiguration()
        group = MultiThreadedEventLoopGroup.singleton
        logger = state.logger
    }

    /// Runs `body` on one connection; a connection that broke is dropped, not given back. Errors come out as
    /// `PostgresFailure`, in the server's words: postgres-nio's own description hides them.
    func with<T>(_ body: (PostgresConnection) throws -> T) throws(PostgresFailure) -> T {
        let connection: PostgresConnection
        do {
            connection = try take()
        } catch {
            throw PostgresFailure(error)
        }
        do {
            let result = try body(connection)
            give(connection)
            return result
        } catch {
            if connection.isClosed { try? connection.close().wait() } else { give(connection) }
            throw PostgresFailure(error)
        }
    }

    /// One statement, all its rows.
    func query(_ query: PostgresQuery) throws(PostgresFailure) -> PostgresQueryResult {
        try with { try $0.query(query, logger: logger).wait() }
    }

    /// `body`'s statements in one transaction on one connection, committed when it returns, rolled back when it
    /// throws.
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws(PostgresFailure) -> T {
        try with { connection in
            _ = try connection.query("BEGIN", logger: logger).wait()
            do {
                let result = try body(connection)
                _ = try connection.query("COMMIT", logger: logger).wait()
                return result
            } catch {
                _ = try? connection.query("ROLLBACK", logger: logger).wait()
                throw error
            }
        }
    }

    func closeAll() {
        let all = idle.withLock { connections in
            defer { connections.removeAll() }
            return connections
        }
        for connection in all { try? connection.close().wait() }
    }

    private func take() throws -> PostgresConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        return try PostgresConnection.connect(on: group.any(), configuration: configuration, id: id, logger: logger).wait()
    }

    private func give(_ connection: PostgresConnection) {
        let extra = idle.withLock { idle -> PostgresConnection? in
            guard idle.count < Self.keepIdle else { return connection }
            idle.append(connection)
            return nil
        }
        if let extra { try? extra.close().wait() }
    }
}

/// A failed statement, with the server's message and SQLSTATE (`deadlock detected (40P01)`).
struct PostgresFailure: Error, CustomStringConvertible {
    var description: String

    init(_ error: any Error) {
        description = (error as? PostgresFailure)?.description ?? "database: " + PostgresErrorText.describe(error)
    }
}
