/// Small durable records a plugin writes once and finds again later by a compact number: the send a VERP return
/// path names, looked up when its bounce arrives weeks later; and cursors, small values it replaces as it goes. The core keeps them in its state directory, one
/// namespace per channel, and forgets each when its `keep` runs out. Not a database: no queries, no updates.
public protocol PluginRecords: Sendable {
    /// For each entry, the id of the record under its key: created now with `value`, kept for `keep`, or the id
    /// the key already has (a retry finds the same id, and keeps the first value). On disk when this returns.
    /// Ids are never reused, so an id that outlived its record names nothing rather than someone else.
    func ids(for entries: [(key: String, value: JSONValue)], keep: Duration) throws -> [UInt64]
    /// The record `id` of this channel, or nil when it is unknown or expired.
    func record(id: UInt64) throws -> PluginRecord?
    /// A small value the plugin replaces as it goes (how far it has read a mailbox), unlike a record; nil before
    /// the first `setCursor`. Kept until replaced.
    func cursor(_ name: String) throws -> JSONValue?
    /// Replaces the cursor; on disk when this returns.
    func setCursor(_ name: String, _ value: JSONValue) throws
}

public struct PluginRecord: Sendable, Equatable {
    public var id: UInt64
    public var key: String
    public var value: JSONValue
    /// When it was made (ms since the epoch).
    public var createdAt: Int64

    public init(id: UInt64, key: String, value: JSONValue, createdAt: Int64) {
        self.id = id
        self.key = key
        self.value = value
        self.createdAt = createdAt
    }
}
