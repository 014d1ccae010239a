/// One message as the queue holds it: the scheduling columns plus the original spool bytes.
public struct QueueRow: Sendable {
    public var id: String
    public var channel: String
    public var state: MessageState
    public var priority: Int
    public var createdAt: Int64
    public var dueAt: Int64
    public var expiresAt: Int64?
    public var attempts: Int
    public var campaign: String?
    public var stage: String?
    /// The recipient's email domain, lower case; nil for messages without an email address.
    public var domain: String?
    /// The message exactly as the producer wrote it; dropped once the message is delivered.
    public var body: [UInt8]
    /// When it began waiting for its recipient on this channel (`parked`), if it has.
    public var parkedAt: Int64? = nil
}

/// A new message from intake.
public struct NewMessage: Sendable {
    public var message: Message
    public var body: [UInt8]
    public var receivedAt: Int64

    public init(message: Message, body: [UInt8], receivedAt: Int64) {
        self.message = message
        self.body = body
        self.receivedAt = receivedAt
    }
}

/// A state change the dispatcher records for one message after an outcome.
public struct StateUpdate: Sendable {
    public var id: String
    public var state: MessageState
    public var dueAt: Int64
    public var attempts: Int
    public var code: String?
    public var detail: String?
    /// One JSON object appended to the message's attempt history, for dead letters.
    public var historyEntry: String?
    /// Set when the message moves to another channel (fallback).
    public var channel: String?
    /// Set when the message is parked: the address whose `reachable` fact wakes it, and when the wait began.
    public var park: (key: String, since: Int64)?

    public init(
        id: String, state: MessageState, dueAt: Int64, attempts: Int, code: String? = nil, detail: String? = nil,
        historyEntry: String? = nil
    ) {
        self.id = id
        self.state = state
        self.dueAt = dueAt
        self.attempts = attempts
        self.code = code
        self.detail = detail
        self.historyEntry = historyEntry
    }
}

/// One line of `herald queue`: how many messages of a channel are in a state, and the oldest.
public struct QueueCount: Sendable, Equatable {
    public var channel: String
    public var state: MessageState
    public var count: Int
    public var oldestCreatedAt: Int64?
}
