import HeraldCore
import PostgresNIO

/// The suppression list in PostgreSQL, one for every host of the cluster: the same rows and rules as SQLite's
/// (`SuppressionStore`: one row per kind, normalized address and reason; the strongest reason decides; nothing
/// but a remove weakens it), so an address suppressed through any host (an unsubscribe, a bounce, the CLI) is
/// suppressed on all of them at their next check.
public final class PostgresSuppressions: SuppressionList {
    public let location: String
    private let connections: PostgresConnections

    public init(_ state: PostgresState) throws {
        connections = try PostgresConnections(state)
        location = state.location
    }

    /// On the queue's connections: a call takes any idle one (or opens one), so one idle pool serves both stores
    /// instead of each keeping its own.
    public init(sharingConnectionsOf queue: PostgresQueue) {
        connections = queue.connections
        location = queue.location
    }

    deinit {
        connections.closeAll()
    }

    public func optOuts(_ addresses: [String]) throws -> [String: SuppressionStore.Entry] {
        guard !addresses.isEmpty else { return [:] }
        var forms: [String: String] = [:]
        for address in addresses {
            let trimmed = SuppressionStore.normalize(kind: "", address)
            forms[trimmed] = address
            if trimmed.contains("@") { forms[trimmed.lowercased()] = address }
        }
        var found: [String: SuppressionStore.Entry] = [:]
        for entry in try entries(
            """
            SELECT kind, address, reason, source, created_at FROM suppression
            WHERE address = ANY(\(forms.keys.sorted())::text[]) AND reason = ANY(\(SuppressionStore.optOutReasons.map(\.rawValue))::text[])
            """)
        {
            guard let given = forms[entry.address] else { continue }
            if let known = found[given], known.reason.strength >= entry.reason.strength { continue }
            found[given] = entry
        }
        return found
    }

    public func optOuts(since: Int64, limit: Int) throws -> [SuppressionStore.Entry] {
        try entries(
            """
            SELECT kind, address, reason, source, created_at FROM suppression
            WHERE created_at >= \(since) AND reason = ANY(\(SuppressionStore.optOutReasons.map(\.rawValue))::text[])
            ORDER BY created_at LIMIT \(limit)
            """)
    }

    @discardableResult
    public func add(_ entries: [SuppressionStore.Entry]) throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let kinds = entries.map(\.kind)
        let addresses = entries.map { SuppressionStore.normalize(kind: $0.kind, $0.address) }
        let pairs = Set(zip(kinds, addresses).map { "\($0)\u{1}\($1)" })
        let before = try connections.query(
            """
            SELECT DISTINCT kind, address FROM suppression
            WHERE (kind, address) IN (SELECT * FROM unnest(\(kinds)::text[], \(addresses)::text[]))
            """
        ).count
        _ = try connections.query(
            """
            INSERT INTO suppression (kind, address, reason, source, created_at)
            SELECT * FROM unnest(\(kinds)::text[], \(addresses)::text[], \(entries.map(\.reason.rawValue))::text[],
                                 \(entries.map(\.source))::text[], \(entries.map(\.createdAt))::bigint[])
            ON CONFLICT (kind, address, reason) DO NOTHING
            """)
        return pairs.count - before
    }

    public func remove(kind: String, address: String) throws -> [SuppressionStore.Reason] {
        try connections.query(
            """
            DELETE FROM suppression WHERE kind = \(kind) AND address = \(SuppressionStore.normalize(kind: kind, address))
            RETURNING reason
            """
        ).map { SuppressionStore.Reason(rawValue: try $0.decode(String.self)) ?? .manual }.sorted { $0.strength > $1.strength }
    }

    public func list(kind: String?, limit: Int) throws -> [SuppressionStore.Entry] {
        try entries(
            """
            SELECT kind, address, reason, source, created_at FROM suppression
            WHERE \(kind)::text IS NULL OR kind = \(kind) ORDER BY created_at DESC LIMIT \(limit)
            """)
    }

    public func lookup(normalized keys: [(kind: String, address: String)]) throws -> [String: SuppressionStore.Entry] {
        guard !keys.isEmpty else { return [:] }
        var found: [String: SuppressionStore.Entry] = [:]
        for entry in try entries(
            """
            SELECT kind, address, reason, source, created_at FROM suppression
            WHERE (kind, address) IN (SELECT * FROM unnest(\(keys.map(\.kind))::text[], \(keys.map(\.address))::text[]))
            """)
        {
            let key = SuppressionStore.lookupKey(kind: entry.kind, normalized: entry.address)
            if let known = found[key], known.reason.strength >= entry.reason.strength { continue }
            found[key] = entry
        }
        return found
    }

    private func entries(_ query: PostgresQuery) throws -> [SuppressionStore.Entry] {
        try connections.query(query).map { row in
            let (kind, address, reason, source, createdAt) = try row.decode((String, String, String, String, Int64).self)
            return SuppressionStore.Entry(
                kind: kind, address: address, reason: SuppressionStore.Reason(rawValue: reason) ?? .manual, source: source,
                createdAt: createdAt)
        }
    }
}
