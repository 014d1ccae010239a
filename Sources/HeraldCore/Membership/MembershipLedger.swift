import Foundation
import GRDB
import HeraldPluginAPI

/// Who is in which list on the far side, as plugins reported it (`Fact.membership`): `STATE/memberships.sqlite`,
/// one row per current member of a (channel, list), filed under the keys an opt-out finds them by, and a tally of
/// joins and leaves per list. Members and keys are the plugins' hashes; no raw email or phone is ever stored.
/// Not the audience itself: a platform may drop members on its own, and the ledger only knows what Herald sent.
public final class MembershipLedger: Sendable {
    public static let fileName = "memberships.sqlite"

    /// One current member, as `members(channel:keys:)` finds it.
    public struct Member: Sendable, Equatable {
        public var list: String
        public var member: String
        public var keys: [String]
        /// When this membership began (ms): a member who left and joined again is a new membership.
        public var joinedAt: Int64
    }

    public let path: String
    let pool: DatabasePool

    public init(directory: String) throws {
        path = directory + "/" + Self.fileName
        // A member filed is what a later opt-out is checked against: on disk before the delivery is recorded.
        pool = try StateDatabase.open(directory: directory, file: Self.fileName, synchronous: .full)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE member (
                        channel TEXT NOT NULL, list TEXT NOT NULL, member TEXT NOT NULL, keys TEXT NOT NULL,
                        joined_at INTEGER NOT NULL, PRIMARY KEY (channel, list, member)) WITHOUT ROWID;
                    CREATE INDEX member_by_id ON member(channel, member);
                    CREATE TABLE member_key (
                        channel TEXT NOT NULL, key TEXT NOT NULL, list TEXT NOT NULL, member TEXT NOT NULL,
                        PRIMARY KEY (channel, key, list, member)) WITHOUT ROWID;
                    CREATE TABLE list_tally (
                        channel TEXT NOT NULL, list TEXT NOT NULL, joins INTEGER NOT NULL, leaves INTEGER NOT NULL,
                        PRIMARY KEY (channel, list)) WITHOUT ROWID;
                    CREATE TABLE cursor (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    """)
        }
        try migrator.migrate(pool)
    }

    /// Files changes in one transaction, in order. A join adds (or refreshes) the member; a leave takes out the
    /// member and every member of that list sharing a key with it: a platform removes whoever a key matches, so a
    /// remove naming only the email takes out the member who joined with email and phone.
    public func record(_ changes: [(channel: String, change: MembershipChange)], now: Int64) throws {
        guard !changes.isEmpty else { return }
        try pool.write { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO member (channel, list, member, keys, joined_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(channel, list, member) DO UPDATE SET keys = excluded.keys
                    """)
            let fileKey = try db.cachedStatement(
                sql: "INSERT INTO member_key (channel, key, list, member) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            let tally = try db.cachedStatement(
                sql: """
                    INSERT INTO list_tally (channel, list, joins, leaves) VALUES (?, ?, ?, ?)
                    ON CONFLICT(channel, list) DO UPDATE SET joins = joins + excluded.joins, leaves = leaves + excluded.leaves
                    """)
            // One tally row update per list, not per member: a plugin call files up to 10,000 members.
            var tallies: [ListKey: (joins: Int, leaves: Int)] = [:]
            for (channel, change) in changes {
                if change.joined {
                    try upsert.execute(arguments: [channel, change.list, change.member, Self.json(change.keys), now])
                    for key in change.keys { try fileKey.execute(arguments: [channel, key, change.list, change.member]) }
                } else {
                    var leaving: Set<String> = [change.member]
                    leaving.formUnion(try Self.sharingKeys(db, channel: channel, list: change.list, keys: change.keys))
                    for member in leaving { try Self.remove(db, channel: channel, list: change.list, member: member) }
                }
                let list = ListKey(channel: channel, list: change.list)
                tallies[list, default: (0, 0)].joins += change.joined ? 1 : 0
                tallies[list, default: (0, 0)].leaves += change.joined ? 0 : 1
            }
            for (list, count) in tallies {
                try tally.execute(arguments: [list.channel, list.list, count.joins, count.leaves])
            }
        }
    }

    /// The current members of `channel`'s lists filed under any of `keys`, by list then member.
    public func members(channel: String, keys: [String]) throws -> [Member] {
        guard !keys.isEmpty else { return [] }
        return try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT m.list, m.member, m.keys, m.joined_at FROM member_key k
                    JOIN member m ON m.channel = k.channel AND m.list = k.list AND m.member = k.member
                    WHERE k.channel = ? AND k.key IN (SELECT value FROM json_each(?)) ORDER BY m.list, m.member
                    """, arguments: [channel, Self.json(keys)]
            ).map { row in
                Member(list: row["list"], member: row["member"], keys: Self.keys(row["keys"]), joinedAt: row["joined_at"])
            }
        }
    }

    /// Whether `member` is in any list of `channel` now.
    public func contains(channel: String, member: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM member WHERE channel = ? AND member = ? LIMIT 1", arguments: [channel, member])
                ?? false
        }
    }

    /// Joins, leaves and current size per (channel, list), sorted.
    public func counts() throws -> [MembershipCount] {
        try pool.read(Self.counts)
    }

    /// The same, from `directory/memberships.sqlite` opened read-only (`herald stats --by audience`, beside a
    /// running daemon); empty when no channel has filed a member yet.
    public static func counts(directory: String) throws -> [MembershipCount] {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try StateDatabase.openReadOnly(path: path).read(counts)
    }

    private static func counts(_ db: Database) throws -> [MembershipCount] {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.channel, t.list, t.joins, t.leaves,
                        (SELECT COUNT(*) FROM member m WHERE m.channel = t.channel AND m.list = t.list) AS size
                    FROM list_tally t ORDER BY t.channel, t.list
                    """
            ).map { row in
                MembershipCount(channel: row["channel"], list: row["list"], joins: row["joins"], leaves: row["leaves"], size: row["size"])
            }
    }

    /// A stored position of a reader of something else (the opt-out sweep's place in the suppression list).
    func cursor(_ name: String) throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM cursor WHERE name = ?", arguments: [name]) }
    }

    func setCursor(_ name: String, to value: Int64) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO cursor (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                arguments: [name, value])
        }
    }

    private static func sharingKeys(_ db: Database, channel: String, list: String, keys: [String]) throws -> [String] {
        guard !keys.isEmpty else { return [] }
        return try String.fetchAll(
            db,
            sql: "SELECT DISTINCT member FROM member_key WHERE channel = ? AND list = ? AND key IN (SELECT value FROM json_each(?))",
            arguments: [channel, list, json(keys)])
    }

    private static func remove(_ db: Database, channel: String, list: String, member: String) throws {
        let stored = try String.fetchOne(
            db, sql: "DELETE FROM member WHERE channel = ? AND list = ? AND member = ? RETURNING keys",
            arguments: [channel, list, member])
        guard let stored else { return }
        let drop = try db.cachedStatement(sql: "DELETE FROM member_key WHERE channel = ? AND key = ? AND list = ? AND member = ?")
        for key in keys(stored) { try drop.execute(arguments: [channel, key, list, member]) }
    }

    private struct ListKey: Hashable {
        var channel: String
        var list: String
    }

    static func json(_ keys: [String]) -> String {
        var writer = JSONWriter()
        writer.value(.array(keys.map(JSONValue.string)))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func keys(_ text: String?) -> [String] {
        guard let text, case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return items.compactMap(\.stringValue)
    }
}

/// One list's line in `herald stats --by audience`.
public struct MembershipCount: Sendable, Equatable {
    public var channel: String
    public var list: String
    /// Members the far side took in / out, counted once per message (a repeated add counts again).
    public var joins: Int
    public var leaves: Int
    /// Members in the list now, as far as Herald knows.
    public var size: Int
}
