import HeraldCore
import PostgresNIO

/// The cluster's down destinations (`SharedDestinations`), one row per channel and destination in
/// `destination_down` while it is down. A probe is taken with one conditional update, so two hosts never both
/// take the same interval's probe. Times are the hosts' clocks (unix ms), as for their own probes.
public final class PostgresDestinations: SharedDestinations {
    private let connections: PostgresConnections
    private let host: String

    public init(sharingConnectionsOf queue: PostgresQueue) {
        connections = queue.connections
        host = queue.hostName
    }

    public func markDown(channel: String, destination: String, since: Int64, nextProbe: Int64) throws {
        _ = try connections.query(
            """
            INSERT INTO destination_down (channel, destination, since, next_probe, host)
            VALUES (\(channel), \(destination), \(since), \(nextProbe), \(host))
            ON CONFLICT (channel, destination) DO NOTHING
            """)
    }

    public func markUp(channel: String, destination: String) throws {
        _ = try connections.query(
            "DELETE FROM destination_down WHERE channel = \(channel) AND destination = \(destination)")
    }

    public func down(channel: String) throws -> [(destination: String, since: Int64, nextProbe: Int64)] {
        try connections.query(
            "SELECT destination, since, next_probe FROM destination_down WHERE channel = \(channel)"
        ).map { try $0.decode((String, Int64, Int64).self) }.map { (destination: $0.0, since: $0.1, nextProbe: $0.2) }
    }

    public func takeProbe(channel: String, destination: String, now: Int64, until: Int64) throws -> Bool {
        let rows = try connections.query(
            """
            WITH taken AS (
                UPDATE destination_down SET next_probe = \(until), host = \(host)
                WHERE channel = \(channel) AND destination = \(destination) AND next_probe <= \(now)
                RETURNING 1)
            SELECT (SELECT count(*) FROM taken) > 0
                OR NOT EXISTS (SELECT 1 FROM destination_down WHERE channel = \(channel) AND destination = \(destination))
            """)
        return try rows.first?.decode(Bool.self) ?? true
    }
}
