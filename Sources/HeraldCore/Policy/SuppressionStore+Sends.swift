import GRDB

/// The `sent` table of `policy.sqlite`: delivered marketing per recipient identity, which frequency caps count
/// (through `SendHistory`, which batches the writes).
extension SuppressionStore {
    /// Remembers delivered marketing messages for frequency caps, and (at most once a minute) forgets those older
    /// than `keepSince`.
    public func recordSent(_ sends: [(identity: String, channel: String, at: Int64)], now: Int64, keepSince: Int64) throws {
        guard !sends.isEmpty else { return }
        let prune = lastPrune.load(ordering: .relaxed) + 60_000 <= now
        try pool.write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO sent (identity, channel, at) VALUES (?, ?, ?)")
            for send in sends { try statement.execute(arguments: [send.identity, send.channel, send.at]) }
            if prune { try db.execute(sql: "DELETE FROM sent WHERE at < ?", arguments: [keepSince]) }
        }
        if prune { lastPrune.store(now, ordering: .relaxed) }
    }

    /// Every identity with a send since `since`: what the recent-senders filter starts from.
    public func identities(since: Int64) throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT identity FROM sent WHERE at >= ?", arguments: [since]) }
    }

    /// Each identity's sends since `since`, for the cap check of one batch: one statement for the batch.
    public func sent(identities: Set<String>, since: Int64) throws -> [String: [(channel: String, at: Int64)]] {
        guard !identities.isEmpty else { return [:] }
        return try pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT identity, channel, at FROM sent WHERE identity IN (SELECT value FROM json_each(?)) AND at >= ?")
            var result: [String: [(channel: String, at: Int64)]] = [:]
            for row in try Row.fetchAll(statement, arguments: [Self.jsonArray(identities), since]) {
                result[row[0], default: []].append((channel: row[1], at: row[2]))
            }
            return result
        }
    }
}
