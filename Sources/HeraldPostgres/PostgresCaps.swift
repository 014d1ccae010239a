import HeraldCore
import PostgresNIO

/// Frequency caps counted across the cluster (issue 13): one row per recipient identity in `cap_history`, holding
/// its sends inside the longest cap window, delivered or reserved (`held`). A check is one
/// `INSERT … ON CONFLICT DO UPDATE … WHERE <under every binding rule>`: the conflicting row is locked and the
/// condition read from its latest version, so two hosts checking the same recipient take turns and only one can
/// take the last place. A candidate the statement did not reserve is read back to say why (capped, with the time
/// it would be free, or waiting for messages still being sent).
///
/// Times are the hosts' clocks (unix ms), as for a single host's caps: hosts kept by NTP agree to well under any
/// cap window. A reservation whose host died is replaced when its message is claimed again (same id); one whose
/// message never comes back counts as sent once it is older than `staleReservation`, until it leaves the window.
public final class PostgresCaps: CapLedger {
    private let connections: PostgresConnections
    private let caps: FrequencyCap
    /// How far back sends are kept (ms): the longest window and a margin for hosts' clocks.
    let keep: Int64
    static let clockMargin: Int64 = 60_000
    static let staleReservation: Int64 = 600_000
    /// Rounds of a refused candidate whose row changed between the check and the read, before it simply waits.
    private static let attempts = 3

    public init(sharingConnectionsOf queue: PostgresQueue, caps: FrequencyCap) {
        connections = queue.connections
        self.caps = caps
        keep = caps.longestWindow.milliseconds + Self.clockMargin
    }

    public func admit(
        _ candidates: [(id: String, identity: String)], channel: String, now: Int64, check: (CapSends) -> CapCheck
    ) throws -> [CapAdmission] {
        var admissions = [CapAdmission?](repeating: nil, count: candidates.count)
        var open = Array(candidates.indices)
        for attempt in 1...Self.attempts where !open.isEmpty {
            let (round, later) = Self.firstPerIdentity(open) { candidates[$0].identity }
            let passed = try reserve(round.map { candidates[$0] }, channel: channel, now: now)
            let refused = round.filter { !passed.contains(candidates[$0].identity) }
            for index in round where passed.contains(candidates[index].identity) { admissions[index] = .pass }
            let sends = try self.sends(Set(refused.map { candidates[$0].identity }), now: now)
            var retry: [Int] = []
            for index in refused {
                // Its own earlier reservation (a retry) does not count against it, as in the statement.
                let others = (sends[candidates[index].identity] ?? []).filter { $0.id != candidates[index].id }
                let held = (
                    delivered: others.filter { !$0.inFlight }.map { (channel: $0.channel, at: $0.at) },
                    inFlight: others.filter(\.inFlight).map { (channel: $0.channel, at: $0.at) }
                )
                if let refusal = CapAdmission.refused(delivered: held.delivered, inFlight: held.inFlight, check: check) {
                    admissions[index] = refusal
                } else if attempt == Self.attempts {
                    admissions[index] = .waitForInFlight(rule: "a cap another host is checking")
                } else {
                    retry.append(index)
                }
            }
            open = later + retry
        }
        return admissions.map { $0 ?? .waitForInFlight(rule: "a cap another host is checking") }
    }

    public func settle(_ outcomes: [(id: String, identity: String, channel: String, delivered: Bool)], now: Int64) {
        var rest = outcomes
        while !rest.isEmpty {
            let (round, later) = Self.firstPerIdentity(rest, \.identity)
            // A failure leaves the places taken: counted, never freed too early.
            _ = try? connections.query(
                """
                UPDATE cap_history AS h SET sends = ARRAY(
                    SELECT CASE WHEN s.id = u.id THEN ROW(s.id, s.channel, \(now), false)::herald_cap_send ELSE s END
                    FROM unnest(h.sends) AS s WHERE NOT (s.id = u.id AND NOT u.delivered)),
                    last_at = GREATEST(h.last_at, \(now))
                FROM unnest(\(round.map(\.identity))::text[], \(round.map(\.id))::text[], \(round.map(\.delivered))::bool[])
                    AS u(identity, id, delivered)
                WHERE h.identity = u.identity
                """)
            rest = later
        }
    }

    /// Splits `items` into the first of each identity and the rest: one statement may touch an identity's row once
    /// (ON CONFLICT and UPDATE … FROM both), so a recipient's second candidate or outcome goes in the next round.
    private static func firstPerIdentity<T>(_ items: [T], _ identity: (T) -> String) -> (round: [T], later: [T]) {
        var seen = Set<String>()
        var round: [T] = []
        var later: [T] = []
        for item in items {
            if seen.insert(identity(item)).inserted { round.append(item) } else { later.append(item) }
        }
        return (round, later)
    }

    public var hasWaiting: Bool { false }

    public func write(now: Int64, force: Bool) throws {}

    /// Reserves a place for each candidate (one per identity) that every rule binding `channel` still allows;
    /// returns the identities reserved. An earlier reservation of the same message id is replaced, not counted.
    private func reserve(_ candidates: [(id: String, identity: String)], channel: String, now: Int64) throws -> Set<String> {
        guard !candidates.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(candidates.map(\.identity))
        binds.append(candidates.map(\.id))
        binds.append(channel)
        binds.append(now)
        binds.append(keep)
        var conditions: [String] = []
        for rule in caps.rules where rule.channel == nil || rule.channel == channel {
            binds.append(rule.per.milliseconds)
            var condition = "s.at > $4 - $\(binds.count)"
            if let only = rule.channel {
                binds.append(only)
                condition += " AND s.channel = $\(binds.count)"
            }
            binds.append(max(rule.max, 1))
            conditions.append(
                "(SELECT count(*) FROM unnest(h.sends) AS s WHERE \(condition) AND s.id <> (EXCLUDED.sends[1]).id) < $\(binds.count)")
        }
        let sql = """
            INSERT INTO cap_history AS h (identity, sends, last_at)
            SELECT c.identity, ARRAY[ROW(c.id, $3, $4, true)::herald_cap_send], $4
            FROM unnest($1::text[], $2::text[]) AS c(identity, id)
            ON CONFLICT (identity) DO UPDATE
            SET sends = ARRAY(SELECT s FROM unnest(h.sends) AS s WHERE s.at > $4 - $5 AND s.id <> (EXCLUDED.sends[1]).id)
                        || EXCLUDED.sends,
                last_at = GREATEST(h.last_at, $4)
            WHERE \(conditions.isEmpty ? "true" : conditions.joined(separator: " AND "))
            RETURNING identity
            """
        var reserved = Set<String>()
        for row in try connections.query(PostgresQuery(unsafeSQL: sql, binds: binds)) {
            reserved.insert(try row.decode(String.self))
        }
        return reserved
    }

    private typealias Send = (id: String, channel: String, at: Int64, inFlight: Bool)

    /// Each identity's sends inside the window; in flight: reserved, and not so long ago that it counts as sent.
    private func sends(_ identities: Set<String>, now: Int64) throws -> [String: [Send]] {
        guard !identities.isEmpty else { return [:] }
        var result: [String: [Send]] = [:]
        for row in try connections.query(
            """
            SELECT h.identity, s.id, s.channel, s.at, s.held FROM cap_history AS h, unnest(h.sends) AS s
            WHERE h.identity = ANY(\(Array(identities))::text[]) AND s.at > \(now - keep)
            """)
        {
            let (identity, id, channel, at, held) = try row.decode((String, String, String, Int64, Bool).self)
            result[identity, default: []].append((id, channel, at, held && at > now - Self.staleReservation))
        }
        return result
    }

    /// Drops rows of recipients with no send inside the window, a bounded number per call (`PostgresLeases`
    /// prunes them with the queue, on the reaper host).
    func prune(_ connection: PostgresConnection, now: Int64) async throws {
        _ = try await connection.query(
            """
            DELETE FROM cap_history WHERE ctid IN (SELECT ctid FROM cap_history WHERE last_at < \(now - keep) LIMIT 10000)
            """, logger: connections.logger)
    }
}
