/// What the daemon needs of its queue, whichever database holds it: SQLite under `state` (`QueueStore`) for one
/// host, or PostgreSQL shared by several hosts (`HeraldPostgres.PostgresQueue`). Synchronous like the SQLite store:
/// each call is one short transaction, and a shared database's implementation blocks its caller for one network
/// round trip, never a Swift task the database needs to answer. The semantics are `QueueStore`'s doc comments.
public protocol MessageQueue: Sendable {
    /// Where the queue is, for the start-up log line: a path or a database.
    var location: String { get }
    /// One flag per message: whether it was new (false: a duplicate id anywhere the queue reaches).
    func insert(_ batch: [NewMessage]) throws -> [Bool]
    /// What this host had in flight when it stopped goes back to the queue.
    @discardableResult
    func recoverInFlight(now: Int64) throws -> Int
    func claim(channel: String, limit: Int, now: Int64, excluding: [String]) throws -> [QueueRow]
    func nextDue(channel: String) throws -> Int64?
    @discardableResult
    func wake(channel: String, key: String, now: Int64) throws -> Int
    func apply(_ updates: [StateUpdate], now: Int64) throws
    func release(ids: [String], dueAt: Int64) throws
    func counts() throws -> [QueueCount]
    func pendingCounts(channels: [String]) throws -> [MessageState: Int]
    func origin(id: String) throws -> (channel: String, campaign: String?, stage: String?)?
    func row(id: String) throws -> (state: MessageState, attempts: Int, history: String?)?
    func requeue(ids: [String]?, now: Int64) throws -> [String]
}

extension MessageQueue {
    public func claim(channel: String, limit: Int, now: Int64) throws -> [QueueRow] {
        try claim(channel: channel, limit: limit, now: now, excluding: [])
    }
}

extension QueueStore: MessageQueue {
    public var location: String { path }
}
