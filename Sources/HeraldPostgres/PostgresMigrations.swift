import Logging
import PostgresNIO

/// The versioned schema of the shared database, applied by `herald migrate` and at every start. One host at a
/// time migrates: the steps run under a session advisory lock, which a dead connection releases. Each version is
/// one transaction with its row in `herald_migration`, so a half-applied version never stays. Statements are one
/// per string: postgres-nio sends each as a prepared statement, which holds a single command.
public enum PostgresMigrations {
    /// `pg_advisory_lock` key: "herald-migrate" as a stable 64-bit number.
    static let lockKey: Int64 = 0x6865_7261_6C64_6D67

    struct Version: Sendable {
        var number: Int
        var name: String
        var statements: [String]
    }

    static let versions: [Version] = [
        Version(number: 1, name: "queue", statements: [
            """
            CREATE TABLE message (
                id text PRIMARY KEY, channel text NOT NULL, state text NOT NULL, priority integer NOT NULL,
                created_at bigint NOT NULL, due_at bigint NOT NULL, expires_at bigint, attempts integer NOT NULL DEFAULT 0,
                campaign text, stage text, last_code text, last_detail text, updated_at bigint NOT NULL, history text,
                body bytea, domain text, park_key text, parked_at bigint,
                host text NOT NULL, lease_owner text, lease_expires_at timestamptz)
            """,
            "CREATE INDEX message_ready ON message (channel, priority DESC, created_at) WHERE state = 'queued'",
            "CREATE INDEX message_due ON message (channel, due_at) WHERE state = 'deferred'",
            "CREATE INDEX message_leased ON message (lease_expires_at) WHERE state = 'inflight'",
            "CREATE INDEX message_parked ON message (channel, park_key) WHERE state = 'parked'",
            "CREATE INDEX message_finished ON message (updated_at) WHERE state IN ('delivered', 'expired', 'failed', 'suppressed', 'capped')",
            // The hot table: vacuum it often, so dead tuples from every state change do not pile up between runs.
            "ALTER TABLE message SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, fillfactor = 80)",
            "CREATE TABLE herald_host (name text PRIMARY KEY, owner text NOT NULL, seen_at timestamptz NOT NULL DEFAULT now())",
        ]),
        Version(number: 2, name: "suppression", statements: [
            "CREATE TABLE suppression (kind text NOT NULL, address text NOT NULL, reason text NOT NULL, source text NOT NULL, created_at bigint NOT NULL, PRIMARY KEY (kind, address, reason))",
            "CREATE INDEX suppression_address ON suppression (address)",
            "CREATE INDEX suppression_created ON suppression (created_at)",
        ]),
        Version(number: 3, name: "caps", statements: [
            "CREATE TYPE herald_cap_send AS (id text, channel text, at bigint, held boolean)",
            "CREATE TABLE cap_history (identity text PRIMARY KEY, sends herald_cap_send[] NOT NULL, last_at bigint NOT NULL)",
            "CREATE INDEX cap_history_last ON cap_history (last_at)",
            // Every check rewrites its row: room on the page for the new version keeps updates HOT.
            "ALTER TABLE cap_history SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.05)",
        ]),
        Version(number: 4, name: "rate budgets", statements: [
            "CREATE TABLE rate_budget (key text PRIMARY KEY, tat double precision NOT NULL)",
            // A few rows updated many times a second: keep them on their page and vacuum them often.
            "ALTER TABLE rate_budget SET (fillfactor = 50, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0)",
        ]),
        // Which claim of its owner holds a row: an outcome is recorded only by the claim that sent it, not by an
        // older one of the same host whose lease ran out before the host claimed the row again.
        Version(number: 5, name: "claim fencing", statements: ["ALTER TABLE message ADD COLUMN lease_claim bigint"]),
        // Partitioned by day (the partitions are made as needed, `PostgresStats`): retention drops whole days.
        Version(number: 6, name: "cluster stats", statements: [
            """
            CREATE TABLE stat_counter (
                hour bigint NOT NULL, host text NOT NULL, channel text NOT NULL, campaign text NOT NULL,
                stage text NOT NULL, event text NOT NULL, count bigint NOT NULL,
                PRIMARY KEY (hour, host, channel, campaign, stage, event)) PARTITION BY RANGE (hour)
            """,
            """
            CREATE TABLE stat_latency (
                hour bigint NOT NULL, host text NOT NULL, channel text NOT NULL, bucket integer NOT NULL,
                count bigint NOT NULL, PRIMARY KEY (hour, host, channel, bucket)) PARTITION BY RANGE (hour)
            """,
        ]),
        // A partial index whose predicate is the queries' own clause, so the planner can use it: `state IN (…)`
        // is not proved by an index on one of the states, and the promotion of due messages on every claim and
        // `nextDue` each scanned the whole table, finished rows too. Ids, channels and domains compare bytewise
        // (the "C" collation): they are identifiers, not text to sort for people, and every index probe is cheaper.
        Version(number: 7, name: "waiting indexes", statements: [
            "DROP INDEX message_due",
            "CREATE INDEX message_waiting ON message (channel, due_at) WHERE state IN ('deferred', 'parked')",
            """
            ALTER TABLE message ALTER COLUMN id TYPE text COLLATE "C", ALTER COLUMN channel TYPE text COLLATE "C",
                ALTER COLUMN domain TYPE text COLLATE "C"
            """,
        ]),
        Version(number: 8, name: "queue functions", statements: [
            PostgresFunctions.claim,
        ]),
        // Finished rows leave the claim table, which then holds only what is still to send (and dead letters):
        // its indexes stay small, and the finished rows are partitioned by the day they finished, so the reaper
        // drops whole days past `dedup_window` instead of deleting rows (`PostgresDayPartitions`).
        Version(number: 9, name: "finished messages by day", statements: [
            """
            CREATE TABLE message_done (
                id text COLLATE "C" NOT NULL, channel text COLLATE "C" NOT NULL, state text NOT NULL,
                priority integer NOT NULL, created_at bigint NOT NULL, attempts integer NOT NULL, campaign text,
                stage text, last_code text, last_detail text, history text, host text NOT NULL,
                finished_at bigint NOT NULL) PARTITION BY RANGE (finished_at)
            """,
            "CREATE INDEX message_done_id ON message_done (id)",
            PostgresFunctions.insert, PostgresFunctions.apply,
        ]),
        Version(number: 10, name: "down destinations", statements: [
            """
            CREATE TABLE destination_down (
                channel text NOT NULL, destination text NOT NULL, since bigint NOT NULL, next_probe bigint NOT NULL,
                host text NOT NULL, PRIMARY KEY (channel, destination))
            """,
        ]),
        // The pruning of dead letters (and of rows finished before migration 9) names six states; an index on five
        // of them does not serve it.
        Version(number: 11, name: "finished index", statements: [
            "DROP INDEX message_finished",
            "CREATE INDEX message_finished ON message (updated_at) WHERE state IN ('delivered', 'expired', 'failed', 'suppressed', 'capped', 'cancelled')",
        ]),
    ]

    /// Applies what is missing on a connection of its own, closed after; returns the version numbers applied now.
    /// What `herald migrate` and the daemon's start both run.
    @discardableResult
    public static func apply(_ state: PostgresState) async throws -> [Int] {
        let connection = try await state.connect()
        do {
            let applied = try await apply(connection, logger: state.logger)
            try? await connection.close()
            return applied
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Applies what is missing on `connection`; returns the version numbers applied now.
    @discardableResult
    static func apply(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        _ = try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
        do {
            let applied = try await applyLocked(connection, logger: logger)
            _ = try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            throw error
        }
    }

    private static func applyLocked(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        _ = try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS herald_migration (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var done = Set<Int>()
        for try await version in try await connection.query("SELECT version FROM herald_migration", logger: logger).decode(Int.self) {
            done.insert(version)
        }
        var applied: [Int] = []
        for version in versions where !done.contains(version.number) {
            try await connection.withTransaction(logger: logger) { transaction in
                for statement in version.statements {
                    _ = try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                _ = try await transaction.query(
                    "INSERT INTO herald_migration (version, name) VALUES (\(version.number), \(version.name))", logger: logger)
            }
            logger.info("database: applied migration \(version.number) (\(version.name))")
            applied.append(version.number)
        }
        return applied
    }

    public static var latest: Int { versions.last?.number ?? 0 }
}
