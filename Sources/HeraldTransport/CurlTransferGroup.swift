import Synchronization

/// Collects the results of a batch of transfers and resumes the one waiting caller when the last arrives.
/// Results may arrive before the caller starts waiting (a request that failed to configure), so both orders work.
final class CurlTransferGroup<Value: Sendable>: Sendable {
    private struct State {
        var results: [Value?]
        var remaining: Int
        var continuation: CheckedContinuation<[Value], Never>?
    }

    private let state: Mutex<State>
    /// What a slot holds if it was never finished; only reachable through a bug, but never a crash.
    private let missing: Value

    init(count: Int, missing: Value) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
        self.missing = missing
    }

    /// Registers the waiter; returns true if everything had already finished (the continuation was resumed).
    func wait(_ continuation: CheckedContinuation<[Value], Never>) -> Bool {
        let done = state.withLock { state -> [Value]? in
            guard state.remaining > 0 else { return collect(state.results) }
            state.continuation = continuation
            return nil
        }
        if let done { continuation.resume(returning: done) }
        return done != nil
    }

    func finish(_ index: Int, _ result: Value) {
        let resume = state.withLock { state -> (CheckedContinuation<[Value], Never>, [Value])? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, collect(state.results))
        }
        if let (continuation, results) = resume { continuation.resume(returning: results) }
    }

    private func collect(_ results: [Value?]) -> [Value] {
        results.map { $0 ?? missing }
    }
}
