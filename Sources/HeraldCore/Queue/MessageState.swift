/// Where a message stands in the queue. Stored as text so `sqlite3 queue.sqlite` reads plainly.
public enum MessageState: String, Sendable, CaseIterable, Codable {
    /// Due now; waiting for a free slot on its channel.
    case queued
    /// Waiting until `due_at`: a retry, a `not_before`, a throttle.
    case deferred
    /// Waiting, until `due_at` at most, for its recipient to become reachable on its channel (a visitor to open the
    /// chat): the plugin's `reachable` fact makes it due at once. No attempt is spent waiting.
    case parked
    /// Handed to a plugin; back to `queued` if the daemon dies before the outcome is recorded.
    case inflight
    case delivered
    case failed
    case expired
    /// Ended by the policy: the recipient is on the suppression list.
    case suppressed
    /// Ended by the policy: a frequency cap was reached (`on_cap = "drop"`).
    case capped
    /// Ended unsent with another message that undoes it, both waiting in one batch window (an audience add and
    /// the remove of the same member).
    case cancelled
}

extension MessageState {
    /// The states that end a message: its row stays only for deduplication, until the prune.
    public static let finished: [MessageState] = [.delivered, .expired, .failed, .suppressed, .capped, .cancelled]

    public var isFinished: Bool { Self.finished.contains(self) }
}
