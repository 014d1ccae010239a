import HeraldCore
import PostgresNIO

/// The cluster's rate budgets (`RateBudgets`), one row per key in `rate_budget`: `tat`, the theoretical arrival
/// time (GCRA's) of the key's next free token, in ms on the database's clock. A lease of `n` tokens at rate `r`
/// moves it to `max(tat, now) + n × 1000 / r` and starts where the previous lease ended (or now, after a quiet
/// spell: no credit is saved up); the host waits until that start. Leases of every host line up on one timeline
/// per key, so the rate holds for the cluster, with the burst `RateBudgets` documents. One statement, row-locked
/// per key, and the database's clock, so hosts' clocks do not matter.
public final class PostgresBudgets: RateBudgets {
    private let connections: PostgresConnections

    public init(sharingConnectionsOf queue: PostgresQueue) {
        connections = queue.connections
    }

    public func lease(_ requests: [(key: String, count: Int, rate: Double)]) throws -> [Int64] {
        guard !requests.isEmpty else { return [] }
        // One row per key and statement (ON CONFLICT cannot touch a row twice): a repeated key's spans add up.
        var spans: [String: Double] = [:]
        var order: [String] = []
        for request in requests {
            if spans[request.key] == nil { order.append(request.key) }
            spans[request.key, default: 0] += Double(request.count) * 1000 / max(request.rate, 0.001)
        }
        var starts: [String: Int64] = [:]
        for row in try connections.query(
            """
            WITH now AS (SELECT extract(epoch FROM statement_timestamp()) * 1000 AS ms)
            INSERT INTO rate_budget AS b (key, tat)
            SELECT r.key, (SELECT ms FROM now) + r.span FROM unnest(\(order)::text[], \(order.map { spans[$0] ?? 0 })::float8[]) AS r(key, span)
            ON CONFLICT (key) DO UPDATE SET tat = GREATEST(b.tat, (SELECT ms FROM now)) + (EXCLUDED.tat - (SELECT ms FROM now))
            RETURNING key, (tat - (SELECT ms FROM now))::float8
            """)
        {
            let (key, untilEnd) = try row.decode((String, Double).self)
            starts[key] = Int64((untilEnd - (spans[key] ?? 0)).rounded(.up))
        }
        // A repeated key: its first request waits for the start, the later ones too (they were leased together).
        return requests.map { max(0, starts[$0.key] ?? 0) }
    }
}
