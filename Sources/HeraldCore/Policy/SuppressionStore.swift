import Foundation
import GRDB
import HeraldPluginAPI
import Synchronization

/// The policy's durable state, in `STATE/policy.sqlite` beside the queue (its own writer, so a suppression check
/// never waits behind intake): the suppression list keyed by (kind, normalized address), and the record of
/// delivered marketing messages per recipient identity that frequency caps count. Not the queue, not statistics.
public final class SuppressionStore: Sendable {
    public enum Reason: String, Sendable, CaseIterable {
        case unsubscribed
        case hardBounce = "hard_bounce"
        case tokenInvalid = "token_invalid"
        case complaint
        case manual

        /// Unsubscribing stops marketing only; every other reason stops transactional mail too.
        public var stopsTransactional: Bool { self != .unsubscribed }

        /// Which reason an address is reported under when it has several: a reason that stops everything always
        /// outranks `unsubscribed`, and an operator's word outranks what a peer said.
        public var strength: Int {
            switch self {
            case .unsubscribed: 0
            case .tokenInvalid: 1
            case .hardBounce: 2
            case .complaint: 3
            case .manual: 4
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public var kind: String
        public var address: String
        public var reason: Reason
        public var source: String
        public var createdAt: Int64

        public init(kind: String, address: String, reason: Reason, source: String, createdAt: Int64) {
            self.kind = kind
            self.address = address
            self.reason = reason
            self.source = source
            self.createdAt = createdAt
        }
    }

    public let path: String
    /// Internal, not private: the send history's queries (`SuppressionStore+Sends.swift`) share it.
    let pool: DatabasePool

    public init(directory: String) throws {
        path = directory + "/policy.sqlite"
        // Every write here is answered to someone (an unsubscribe's 200, the CLI's line, a log line): on disk first.
        pool = try StateDatabase.open(directory: directory, file: "policy.sqlite", synchronous: .full)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE suppression (
                        kind TEXT NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL,
                        created_at INTEGER NOT NULL, PRIMARY KEY (kind, address)) WITHOUT ROWID;
                    CREATE TABLE sent (identity TEXT NOT NULL, channel TEXT NOT NULL, at INTEGER NOT NULL);
                    CREATE INDEX sent_identity ON sent(identity, at);
                    """)
        }
        // Pruning old sends by time needs its own index, or every prune scans the table.
        migrator.registerMigration("v2-sent-at") { db in
            try db.execute(sql: "CREATE INDEX sent_at ON sent(at)")
        }
        // One row per (address, reason): a later, weaker reason (an unsubscribe after a hard bounce) is kept beside
        // the stronger one instead of replacing it, so suppression never weakens.
        migrator.registerMigration("v3-suppression-reasons") { db in
            try db.execute(
                sql: """
                    CREATE TABLE suppression_reason (
                        kind TEXT NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL,
                        created_at INTEGER NOT NULL, PRIMARY KEY (kind, address, reason)) WITHOUT ROWID;
                    INSERT INTO suppression_reason SELECT kind, address, reason, source, created_at FROM suppression;
                    DROP TABLE suppression;
                    ALTER TABLE suppression_reason RENAME TO suppression;
                    """)
        }
        // A person's opt-out stops an audience add whatever channel it came through: found by address alone.
        migrator.registerMigration("v4-suppression-address") { db in
            try db.execute(sql: "CREATE INDEX suppression_address ON suppression(address)")
        }
        // The opt-out sweep reads new entries in the order they came.
        migrator.registerMigration("v5-suppression-created") { db in
            try db.execute(sql: "CREATE INDEX suppression_created ON suppression(created_at)")
        }
        try migrator.migrate(pool)
    }

    /// The reasons that are the person's own word (an unsubscribe, a complaint, an operator's entry), as opposed to
    /// what a peer said about one address (a bounce, a dead token).
    public static let optOutReasons: [Reason] = [.unsubscribed, .complaint, .manual]

    /// Opt-outs of any kind among `addresses` (each as the person wrote it; an email is also looked up lower-cased),
    /// keyed by the address as given: the strongest entry for each.
    public func optOuts(_ addresses: [String]) throws -> [String: Entry] {
        guard !addresses.isEmpty else { return [:] }
        var forms: [String: String] = [:]
        for address in addresses {
            let trimmed = Self.trimmingWhitespace(address)
            forms[trimmed] = address
            if trimmed.contains("@") { forms[trimmed.lowercased()] = address }
        }
        let reasons = Self.jsonArray(Self.optOutReasons.map(\.rawValue))
        return try pool.read { db in
            var found: [String: Entry] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT kind, address, reason, source, created_at FROM suppression "
                    + "WHERE address IN (SELECT value FROM json_each(?)) AND reason IN (SELECT value FROM json_each(?))",
                arguments: [Self.jsonArray(forms.keys.sorted()), reasons])
            for row in rows {
                let entry = Self.entry(row)
                guard let given = forms[entry.address] else { continue }
                if let known = found[given], known.reason.strength >= entry.reason.strength { continue }
                found[given] = entry
            }
            return found
        }
    }

    /// Opt-out entries made at or after `since` (ms), oldest first, at most `limit`.
    public func optOuts(since: Int64, limit: Int) throws -> [Entry] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT kind, address, reason, source, created_at FROM suppression "
                    + "WHERE created_at >= ? AND reason IN (SELECT value FROM json_each(?)) ORDER BY created_at LIMIT ?",
                arguments: [since, Self.jsonArray(Self.optOutReasons.map(\.rawValue)), limit]
            ).map(Self.entry)
        }
    }

    /// When sends were last pruned (ms): at most once a minute, not on every batch.
    let lastPrune = Atomic<Int64>(.min / 2)

    /// Lower-cased and trimmed for email; other kinds (tokens, ids) are case-sensitive and only trimmed. Runs for
    /// every message the policy sees, so it trims by hand: Foundation's `trimmingCharacters(in:)` bridges through
    /// NSString and was a fifth of the policy's cost in the drain bench.
    public static func normalize(kind: String, _ address: String) -> String {
        let trimmed = trimmingWhitespace(address)
        return kind == "email" ? trimmed.lowercased() : trimmed
    }

    /// `address` without leading and trailing tabs, Unicode space separators and zero-width spaces (what
    /// `CharacterSet.whitespaces` holds); the same string, uncopied, when there are none.
    static func trimmingWhitespace(_ address: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            // Foundation's set is Zs, tab and U+200B ZERO WIDTH SPACE (a format character, not Zs).
            scalar == "\t" || scalar == " " || scalar == "\u{200B}"
                || (scalar.value >= 0x80 && scalar.properties.generalCategory == .spaceSeparator)
        }
        let scalars = address.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isSpace(first) || isSpace(last) else { return address }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }), let end = scalars.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(scalars[start...end])
    }

    /// Adds entries in one transaction; returns how many addresses were not suppressed before. An address keeps
    /// every reason it was given (the first time each was given); none replaces another.
    @discardableResult
    public func add(_ entries: [Entry]) throws -> Int {
        guard !entries.isEmpty else { return 0 }
        return try pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO suppression (kind, address, reason, source, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(kind, address, reason) DO NOTHING
                    """)
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM suppression WHERE kind = ? AND address = ? LIMIT 1")
            var added = 0
            for entry in entries {
                let address = Self.normalize(kind: entry.kind, entry.address)
                if try Int.fetchOne(exists, arguments: [entry.kind, address]) == nil { added += 1 }
                try statement.execute(arguments: [entry.kind, address, entry.reason.rawValue, entry.source, entry.createdAt])
            }
            return added
        }
    }

    /// Lifts every reason of an address (only `herald suppress remove` calls this); returns the reasons lifted,
    /// strongest first, empty when it was not suppressed.
    public func remove(kind: String, address: String) throws -> [Reason] {
        try pool.write { db in
            let reasons = try String.fetchAll(
                db, sql: "DELETE FROM suppression WHERE kind = ? AND address = ? RETURNING reason",
                arguments: [kind, Self.normalize(kind: kind, address)])
            return reasons.map { Reason(rawValue: $0) ?? .manual }.sorted { $0.strength > $1.strength }
        }
    }

    public func list(kind: String?, limit: Int) throws -> [Entry] {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, address, reason, source, created_at FROM suppression
                    WHERE ? IS NULL OR kind = ? ORDER BY created_at DESC LIMIT ?
                    """, arguments: [kind, kind, limit])
            return rows.map(Self.entry)
        }
    }

    /// The entries among `keys` (kind, normalized address), keyed by `lookupKey`: one statement per batch and
    /// kind, not one per message.
    public func lookup(normalized keys: [(kind: String, address: String)]) throws -> [String: Entry] {
        guard !keys.isEmpty else { return [:] }
        let byKind = Dictionary(grouping: keys, by: \.kind).mapValues { $0.map(\.address) }
        return try pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT kind, address, reason, source, created_at FROM suppression "
                    + "WHERE kind = ? AND address IN (SELECT value FROM json_each(?))")
            var found: [String: Entry] = [:]
            for (kind, addresses) in byKind {
                for row in try Row.fetchAll(statement, arguments: [kind, Self.jsonArray(addresses)]) {
                    let entry = Self.entry(row)
                    let key = Self.lookupKey(kind: entry.kind, normalized: entry.address)
                    // Several reasons: the strongest decides.
                    if let known = found[key], known.reason.strength >= entry.reason.strength { continue }
                    found[key] = entry
                }
            }
            return found
        }
    }

    static func jsonArray(_ texts: some Sequence<String>) -> String {
        var writer = JSONWriter()
        writer.value(.array(texts.map { .string($0) }))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    public static func lookupKey(kind: String, address: String) -> String {
        lookupKey(kind: kind, normalized: normalize(kind: kind, address))
    }

    public static func lookupKey(kind: String, normalized address: String) -> String {
        kind + "\u{0}" + address
    }

    private static func entry(_ row: Row) -> Entry {
        Entry(
            kind: row[0], address: row[1], reason: Reason(rawValue: row[2]) ?? .manual, source: row[3],
            createdAt: row[4])
    }
}
