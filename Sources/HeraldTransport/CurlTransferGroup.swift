import Synchronization

/// Collects the results of a batch of transfers and resumes the one waiting caller when the last arrives.
/// Results may arrive before the caller starts waiting (a request that failed to configure), so both orders work.
final class CurlTransferGroup: Sendable {
    private struct State {
        var results: [Result<HTTPResponse, TransportError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<HTTPResponse, TransportError>], Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
    }

    /// Registers the waiter; returns true if everything had already finished (the continuation was resumed).
    func wait(_ continuation: CheckedContinuation<[Result<HTTPResponse, TransportError>], Never>) -> Bool {
        let done = state.withLock { state -> [Result<HTTPResponse, TransportError>]? in
            guard state.remaining > 0 else { return Self.collect(state.results) }
            state.continuation = continuation
            return nil
        }
        if let done { continuation.resume(returning: done) }
        return done != nil
    }

    func finish(_ index: Int, _ result: Result<HTTPResponse, TransportError>) {
        let resume = state.withLock { state -> (CheckedContinuation<[Result<HTTPResponse, TransportError>], Never>, [Result<HTTPResponse, TransportError>])? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, Self.collect(state.results))
        }
        if let (continuation, results) = resume { continuation.resume(returning: results) }
    }

    private static func collect(_ results: [Result<HTTPResponse, TransportError>?]) -> [Result<HTTPResponse, TransportError>] {
        results.map { $0 ?? .failure(TransportError(curlCode: 42, message: "not run")) }
    }
}
