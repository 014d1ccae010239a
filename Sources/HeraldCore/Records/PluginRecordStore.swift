import Foundation
import GRDB
import HeraldPluginAPI
import Synchronization

/// `STATE/records.sqlite`: what `PluginRecords` promises plugins, one namespace per channel. Opened on first use,
/// so a daemon whose plugins keep no records never creates the file. Expired records go a few hundred at a time
/// as new ones are written, so the file stays near the size its windows imply without a service of its own.
/// `AUTOINCREMENT` keeps ids from being reused after a delete: a late bounce naming a pruned id finds nothing.
public final class PluginRecordStore: Sendable {
    public static let fileName = "records.sqlite"

    public let directory: String
    private let pool = Mutex<DatabasePool?>(nil)

    public init(directory: String) {
        self.directory = directory
    }

    /// The namespace of `channel`.
    public func records(channel: String) -> any PluginRecords {
        ChannelRecords(store: self, channel: channel)
    }

    func database() throws -> DatabasePool {
        try pool.withLock { pool in
            if let pool { return pool }
            let opened = try StateDatabase.open(directory: directory, file: Self.fileName, synchronous: .full)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE record (
                            id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, key TEXT NOT NULL,
                            value TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
                        CREATE UNIQUE INDEX record_by_key ON record(channel, key);
                        CREATE INDEX record_by_expiry ON record(expires_at);
                        CREATE TABLE cursor (
                            channel TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
                            PRIMARY KEY (channel, name)) WITHOUT ROWID;
                        """)
            }
            try migrator.migrate(opened)
            pool = opened
            return opened
        }
    }

    func ids(channel: String, entries: [(key: String, value: JSONValue)], keep: Duration, now: Int64) throws -> [UInt64] {
        guard !entries.isEmpty else { return [] }
        let expires = now + keep.milliseconds
        return try database().write { db in
            // Expired first, so a key whose record ran out gets a new id rather than the dead one.
            try db.execute(
                sql: "DELETE FROM record WHERE id IN (SELECT id FROM record WHERE expires_at < ? LIMIT 500)", arguments: [now])
            let find = try db.cachedStatement(sql: "SELECT id FROM record WHERE channel = ? AND key = ?")
            let insert = try db.cachedStatement(
                sql: "INSERT INTO record (channel, key, value, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            return try entries.map { entry in
                if let id = try Int64.fetchOne(find, arguments: [channel, entry.key]) { return UInt64(id) }
                var writer = JSONWriter()
                writer.value(entry.value)
                try insert.execute(arguments: [channel, entry.key, String(decoding: writer.bytes, as: UTF8.self), now, expires])
                return UInt64(db.lastInsertedRowID)
            }
        }
    }

    func record(channel: String, id: UInt64, now: Int64) throws -> PluginRecord? {
        guard id <= UInt64(Int64.max) else { return nil }
        return try database().read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT key, value, created_at FROM record WHERE id = ? AND channel = ? AND expires_at >= ?",
                    arguments: [Int64(id), channel, now]),
                let value = try? JSONParser.parse(Array((row["value"] as String).utf8))
            else { return nil }
            return PluginRecord(id: id, key: row["key"], value: value, createdAt: row["created_at"])
        }
    }
}

extension PluginRecordStore {
    func cursor(channel: String, name: String) throws -> JSONValue? {
        try database().read { db in
            try String.fetchOne(db, sql: "SELECT value FROM cursor WHERE channel = ? AND name = ?", arguments: [channel, name])
                .flatMap { try? JSONParser.parse(Array($0.utf8)) }
        }
    }

    func setCursor(channel: String, name: String, value: JSONValue) throws {
        var writer = JSONWriter()
        writer.value(value)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        try database().write { db in
            try db.execute(
                sql: "INSERT INTO cursor (channel, name, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                arguments: [channel, name, text])
        }
    }
}

/// One channel's view of the store, as a plugin holds it.
struct ChannelRecords: PluginRecords {
    let store: PluginRecordStore
    let channel: String

    func ids(for entries: [(key: String, value: JSONValue)], keep: Duration) throws -> [UInt64] {
        try store.ids(channel: channel, entries: entries, keep: keep, now: Clock.nowMillis())
    }

    func record(id: UInt64) throws -> PluginRecord? {
        try store.record(channel: channel, id: id, now: Clock.nowMillis())
    }

    func cursor(_ name: String) throws -> JSONValue? {
        try store.cursor(channel: channel, name: name)
    }

    func setCursor(_ name: String, _ value: JSONValue) throws {
        try store.setCursor(channel: channel, name: name, value: value)
    }
}
