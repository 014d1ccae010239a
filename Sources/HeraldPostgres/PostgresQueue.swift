import Foundation
import HeraldCore
import HeraldPluginAPI
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The queue in PostgreSQL, shared by every host pointed at the database (issue 13). Same semantics as the SQLite
/// `QueueStore`, plus leases: a claim marks its rows `inflight` under this process's `owner` until
/// `lease_expires_at` (the database's clock), picking with `FOR UPDATE SKIP LOCKED` so hosts claiming together
/// never take the same row; an outcome is recorded only while this owner still holds the row (fencing), so a host
/// whose lease ran out cannot overwrite what the host that took the row over recorded. `PostgresLeases` renews
/// this host's leases and, on one host at a time, hands expired ones back. No transaction stays open across a
/// plugin call: each method is one short statement or transaction.
public final class PostgresQueue: MessageQueue {
    public let location: String
    /// `host_name#random`: unique per daemon run, so a restarted host does not inherit its old leases by name.
    public let owner: String
    public let hostName: String
    let lease: Duration
    let connections: PostgresConnections
    let logger: Logger
    /// The claim that holds each row this daemon has in flight: outcomes are fenced by it.
    private let claims = Mutex<[String: Int64]>([:])
    private let nextClaim = Atomic<Int64>(1)
    /// Finished messages, by the day they finished.
    let finished: PostgresDayPartitions

    public init(_ state: PostgresState) throws {
        hostName = state.settings.hostName
        owner = hostName + "#" + UUID().uuidString.prefix(8).lowercased()
        lease = state.settings.lease
        logger = state.logger
        connections = try PostgresConnections(state)
        location = state.location
        finished = PostgresDayPartitions(tables: ["message_done"], connections: connections)
    }

    var leaseSeconds: Double { Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18 }

    public func insert(_ batch: [NewMessage]) throws -> [Bool] {
        guard !batch.isEmpty else { return [] }
        var ids: [String] = [], channels: [String] = [], states: [String] = [], priorities: [Int] = []
        var created: [Int64] = [], due: [Int64] = [], expires: [Int64] = [], campaigns: [String] = []
        var stages: [String] = [], bodies: [ByteBuffer] = [], domains: [String] = []
        for item in batch {
            let message = item.message
            let dueAt = max(message.notBefore ?? item.receivedAt, item.receivedAt)
            ids.append(message.id)
            channels.append(message.channel)
            states.append((dueAt > item.receivedAt ? MessageState.deferred : .queued).rawValue)
            priorities.append(message.priority.rank)
            created.append(item.receivedAt)
            due.append(dueAt)
            expires.append(message.expiresAt ?? -1)
            campaigns.append(message.campaign ?? "")
            stages.append(message.stage ?? "")
            bodies.append(ByteBuffer(bytes: item.body))
            domains.append(message.to.email.flatMap(QueueStore.domain(of:)) ?? "")
        }
        // Empty strings and -1 stand for NULL: postgres-nio encodes arrays of non-optional values only.
        let rows = try connections.query(
            """
            SELECT herald_insert(\(ids)::text[], \(channels)::text[], \(states)::text[], \(priorities)::bigint[],
                                 \(created)::bigint[], \(due)::bigint[], \(expires)::bigint[], \(campaigns)::text[],
                                 \(stages)::text[], \(bodies)::bytea[], \(domains)::text[], \(hostName)::text)
            """)
        var inserted = Set<String>()
        for row in rows { inserted.insert(try row.decode(String.self)) }
        // A batch naming one id twice: the first is new, the second a duplicate, as in SQLite.
        var seen = Set<String>()
        return ids.map { id in inserted.contains(id) && seen.insert(id).inserted }
    }

    /// This host's earlier runs (same `host_name`, another owner) had these in flight: back to the queue now,
    /// rather than when their leases run out. A host name must be unique to one running daemon (README).
    @discardableResult
    public func recoverInFlight(now: Int64) throws -> Int {
        let rows = try connections.query(
            """
            UPDATE message SET state = 'queued', updated_at = \(now), lease_owner = NULL, lease_expires_at = NULL
            WHERE state = 'inflight' AND split_part(lease_owner, '#', 1) = \(hostName) AND lease_owner <> \(owner)
            RETURNING id
            """)
        return rows.count
    }

    public func claim(channel: String, limit: Int, now: Int64, excluding: [String]) throws -> [QueueRow] {
        let claim = nextClaim.wrappingAdd(1, ordering: .relaxed).oldValue
        let rows = try connections.query(
            """
            SELECT * FROM herald_claim(\(channel)::text, \(now)::bigint, \(owner)::text, \(claim)::bigint,
                                       \(leaseSeconds)::float8, \(excluding)::text[], \(Int64(limit))::bigint)
            """)
        let claimed = try {
            var claimed: [QueueRow] = []
            claimed.reserveCapacity(rows.count)
            for row in rows {
                let (id, priority, createdAt, dueAt, expiresAt, attempts, campaign, stage, body, domain, parkedAt) =
                    try row.decode((String, Int, Int64, Int64, Int64?, Int, String?, String?, ByteBuffer?, String?, Int64?).self)
                claimed.append(
                    QueueRow(
                        id: id, channel: channel, state: .inflight, priority: priority, createdAt: createdAt, dueAt: dueAt,
                        expiresAt: expiresAt, attempts: attempts, campaign: campaign, stage: stage, domain: domain,
                        body: body.map { Array($0.readableBytesView) } ?? [], parkedAt: parkedAt))
            }
            claimed.sort { ($0.priority, -$0.createdAt) > ($1.priority, -$1.createdAt) }
            return claimed
        }()
        if !claimed.isEmpty {
            claims.withLock { claims in
                for row in claimed { claims[row.id] = claim }
            }
        }
        return claimed
    }

    /// The claims holding `ids` (-1: none of this daemon's, which no row matches).
    private func claimsOf(_ ids: [String]) -> [Int64] {
        claims.withLock { claims in ids.map { claims[$0] ?? -1 } }
    }

    /// An outcome or a release recorded ends its claim; one that failed keeps it, for the next try.
    private func endClaims(_ ids: [String]) {
        claims.withLock { claims in
            for id in ids { claims.removeValue(forKey: id) }
        }
    }

    /// Fenced: a row this owner no longer holds (its lease ran out and another host took it) is left alone, and
    /// the outcome is dropped with a warning: that host sends and records the message itself.
    public func apply(_ updates: [StateUpdate], now: Int64) throws {
        guard !updates.isEmpty else { return }
        let ids = updates.map(\.id)
        let states = updates.map(\.state.rawValue)
        let due = updates.map { $0.state.isFinished ? now : $0.dueAt }
        let attempts = updates.map(\.attempts)
        let codes = updates.map { $0.code ?? "" }
        let details = updates.map { $0.detail ?? "" }
        let entries = updates.map { $0.historyEntry.map { $0 + "\n" } ?? "" }
        let channels = updates.map { $0.channel ?? "" }
        let parkKeys = updates.map { $0.park?.key ?? "" }
        let parkSince = updates.map { $0.park?.since ?? -1 }
        let fences = claimsOf(ids)
        try finished.ensure([now])
        let rows = try connections.query(
            """
            SELECT herald_apply(\(owner)::text, \(now)::bigint, \(ids)::text[], \(states)::text[], \(due)::bigint[],
                                \(attempts)::bigint[], \(codes)::text[], \(details)::text[], \(entries)::text[],
                                \(channels)::text[], \(parkKeys)::text[], \(parkSince)::bigint[], \(fences)::bigint[])
            """)
        endClaims(ids)
        if rows.count < updates.count {
            logger.warning(
                "\(updates.count - rows.count) outcomes not recorded: their leases had run out and another host took the messages over")
        }
    }

    public func release(ids: [String], dueAt: Int64) throws {
        let fences = claimsOf(ids)
        _ = try connections.query(
            """
            UPDATE message m SET state = 'deferred', due_at = \(dueAt), lease_owner = NULL, lease_expires_at = NULL
            FROM unnest(\(ids)::text[], \(fences)::bigint[]) AS u(id, claim)
            WHERE m.id = u.id AND m.state = 'inflight' AND m.lease_owner = \(owner) AND m.lease_claim = u.claim
            """)
        endClaims(ids)
    }

    /// A command beside the daemon drops its queue when it ends: connections are closed, not just forgotten.
    deinit {
        connections.closeAll()
    }
}
