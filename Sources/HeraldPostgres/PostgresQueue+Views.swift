import HeraldCore
import PostgresNIO

/// The queue's smaller questions and the operator's commands, in PostgreSQL: what is due next, waking parked
/// messages, counts for `herald queue` and `STATUS=` (the whole cluster's), a message's origin and history, and
/// `herald requeue`.
extension PostgresQueue {
    public func nextDue(channel: String) throws -> Int64? {
        let rows = try connections.query(
            "SELECT MIN(due_at) FROM message WHERE channel = \(channel) AND state IN ('deferred', 'parked')")
        return try rows.first?.decode(Int64?.self) ?? nil
    }

    @discardableResult
    public func wake(channel: String, key: String, now: Int64) throws -> Int {
        try connections.query(
            """
            UPDATE message SET state = 'queued', due_at = \(now)
            WHERE channel = \(channel) AND state = 'parked' AND park_key = \(key) RETURNING id
            """
        ).count
    }

    public func counts() throws -> [QueueCount] {
        try connections.query(
            """
            SELECT channel, state, COUNT(*)::bigint, MIN(created_at) FROM (
                SELECT channel, state, created_at FROM message
                UNION ALL SELECT channel, state, created_at FROM message_done) AS every
            GROUP BY channel, state ORDER BY channel, state
            """
        ).compactMap { row in
            let (channel, state, count, oldest) = try row.decode((String, String, Int64, Int64?).self)
            guard let state = MessageState(rawValue: state) else { return nil }
            return QueueCount(channel: channel, state: state, count: Int(count), oldestCreatedAt: oldest)
        }
    }

    /// Each pending state counted through its own partial index, never the finished rows.
    public func pendingCounts(channels: [String]) throws -> [MessageState: Int] {
        var result: [MessageState: Int] = [:]
        for row in try connections.query(
            """
            SELECT 'queued', count(*)::bigint FROM message WHERE channel = ANY(\(channels)::text[]) AND state = 'queued'
            UNION ALL
            SELECT 'inflight', count(*)::bigint FROM message WHERE channel = ANY(\(channels)::text[]) AND state = 'inflight'
            UNION ALL
            SELECT state, count(*)::bigint FROM message
            WHERE channel = ANY(\(channels)::text[]) AND state IN ('deferred', 'parked') GROUP BY state
            """)
        {
            let (state, count) = try row.decode((String, Int64).self)
            if let state = MessageState(rawValue: state) { result[state, default: 0] += Int(count) }
        }
        return result
    }

    public func origin(id: String) throws -> (channel: String, campaign: String?, stage: String?)? {
        try connections.query(
            """
            SELECT channel, campaign, stage FROM message WHERE id = \(id)
            UNION ALL SELECT channel, campaign, stage FROM message_done WHERE id = \(id) LIMIT 1
            """
        ).first.map { try $0.decode((String, String?, String?).self) }
    }

    public func row(id: String) throws -> (state: MessageState, attempts: Int, history: String?)? {
        guard
            let row = try connections.query(
                """
                SELECT state, attempts, history FROM message WHERE id = \(id)
                UNION ALL SELECT state, attempts, history FROM message_done WHERE id = \(id) LIMIT 1
                """
            ).first
        else { return nil }
        let (state, attempts, history) = try row.decode((String, Int, String?).self)
        return MessageState(rawValue: state).map { ($0, attempts, history) }
    }

    public func requeue(ids: [String]?, now: Int64) throws -> [String] {
        let all = ids == nil
        return try connections.query(
            """
            WITH requeued AS (
            UPDATE message SET state = 'queued', attempts = 0, due_at = \(now), updated_at = \(now), created_at = \(now)
            WHERE state = 'failed' AND body IS NOT NULL AND (\(all) OR id = ANY(\(ids ?? [])::text[]))
            RETURNING id)
            SELECT requeued.id FROM requeued, (SELECT pg_notify(\(PostgresWakeups.channel), '')) AS woken
            """
        ).map { try $0.decode(String.self) }
    }

    /// Each host that has run against the database, with how long ago it last renewed its leases and what it has
    /// in flight now: `herald queue`'s row per host.
    public func hosts() throws -> [(name: String, secondsAgo: Int, inFlight: Int)] {
        try connections.query(
            """
            SELECT h.name, extract(epoch FROM now() - h.seen_at)::bigint,
                   (SELECT count(*) FROM message m WHERE m.state = 'inflight' AND m.lease_owner = h.owner)::bigint
            FROM herald_host h ORDER BY h.name
            """
        ).map { row in
            let (name, ago, inFlight) = try row.decode((String, Int64, Int64).self)
            return (name, Int(ago), Int(inFlight))
        }
    }
}
