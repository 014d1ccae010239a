import Synchronization

/// Where a plugin reports `Fact`s, from `deliver` or from its own background work (a bounce mailbox, an inbound
/// route). `report` returns once the core has acted on them (a dead address is suppressed on disk), so a plugin
/// that reports before returning its outcome knows the next message cannot reach that address. The core connects
/// the sink before any plugin runs; facts reported before that (a plugin's init, a test without a core) wait, up
/// to `pendingLimit`, then the oldest are dropped and counted.
public final class FactSink: Sendable {
    public typealias Handler = @Sendable ([Fact]) async -> Void

    private struct State {
        var handler: Handler?
        var pending: [Fact] = []
        var dropped = 0
    }

    public static let pendingLimit = 10_000
    private let state = Mutex(State())

    public init() {}

    /// The core's side: from now on facts go to `handler`; those waiting go first.
    public func connect(_ handler: @escaping Handler) async {
        let waiting = state.withLock { state -> [Fact] in
            state.handler = handler
            defer { state.pending = [] }
            return state.pending
        }
        if !waiting.isEmpty { await handler(waiting) }
    }

    public func report(_ facts: [Fact]) async {
        guard !facts.isEmpty else { return }
        let handler = state.withLock { state -> Handler? in
            if let handler = state.handler { return handler }
            state.pending += facts
            let excess = state.pending.count - Self.pendingLimit
            if excess > 0 {
                state.pending.removeFirst(excess)
                state.dropped += excess
            }
            return nil
        }
        await handler?(facts)
    }

    /// Facts reported while no handler was connected, oldest first (tests read them here).
    public var pending: [Fact] { state.withLock(\.pending) }

    /// Facts dropped because `pendingLimit` waited unconnected.
    public var dropped: Int { state.withLock(\.dropped) }
}
