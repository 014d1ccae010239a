import Synchronization

/// The Mailgun tokens already accepted, so a captured request cannot be replayed while its timestamp is still fresh
/// (Mailgun's advice; PROTOCOLS §9.5). Bounded: a token is forgotten once its timestamp leaves the freshness window
/// (the clock check refuses it from then on anyway), and past `capacity` the oldest go first, which only reopens a
/// replay window for a flood of signed requests from Mailgun itself. In memory: a restart forgets, and the window is
/// minutes. A `Mutex`, not an actor, because the check is a few dictionary operations that never suspend.
final class TokenReplayCache: Sendable {
    private struct State {
        /// Token → its signed timestamp.
        var seen: [String: Int64] = [:]
        /// Tokens in the order accepted, for eviction; `head` is the oldest still kept.
        var order: [String] = []
        var head = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// Records `token`; false when it was already recorded (a replay).
    func insert(_ token: String, at timestamp: Int64, now: Int64, maxAge: Duration) -> Bool {
        state.withLock { state in
            let oldest = now - maxAge.components.seconds
            // Forget, from the front, tokens whose timestamp has left the window or that overflow the capacity.
            while state.head < state.order.count {
                let first = state.order[state.head]
                guard let stamp = state.seen[first] else { state.head += 1; continue }
                guard stamp < oldest || state.seen.count >= capacity else { break }
                state.seen[first] = nil
                state.head += 1
            }
            if state.head > 1024 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            guard state.seen[token] == nil else { return false }
            state.seen[token] = timestamp
            state.order.append(token)
            return true
        }
    }

    var count: Int { state.withLock { $0.seen.count } }
}
