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

    public init(
        id: String, channel: String, state: MessageState, priority: Int, createdAt: Int64, dueAt: Int64,
        expiresAt: Int64?, attempts: Int, campaign: String?, stage: String?, domain: String?, body: [UInt8],
        parkedAt: Int64? = nil
    ) {
        self.id = id
        self.channel = channel
        self.state = state
        self.priority = priority
        self.createdAt = createdAt
        self.dueAt = dueAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.campaign = campaign
        self.stage = stage
        self.domain = domain
        self.body = body
        self.parkedAt = parkedAt
    }
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

    public init(channel: String, state: MessageState, count: Int, oldestCreatedAt: Int64?) {
        self.channel = channel
        self.state = state
        self.count = count
        self.oldestCreatedAt = oldestCreatedAt
    }
}
