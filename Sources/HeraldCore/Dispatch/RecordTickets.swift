import Synchronization

/// Numbered submissions to the recorder and how far they are committed. A lane waits on its ticket before it
/// frees a delivery's slot, so the deliveries whose outcome is not yet on record never exceed the channel's
/// `concurrency`: a crash re-sends at most that many per channel (the bound `test_crash.py` checks).
final class RecordTickets: Sendable {
    private struct State {
        var issued = 0
        var committed = 0
        var waiters: [(ticket: Int, id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0
    }

    private let state = Mutex(State())

    /// The newest ticket issued.
    var last: Int { state.withLock { $0.issued } }

    /// Call under the lock that also appends the submission, so ticket order is buffer order.
    func issue() -> Int {
        state.withLock { state in
            state.issued += 1
            return state.issued
        }
    }

    func committed(upTo ticket: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.committed = max(state.committed, ticket)
            let done = state.waiters.filter { $0.ticket <= state.committed }
            state.waiters.removeAll { $0.ticket <= state.committed }
            return done.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once `ticket` is committed; at once when the task is cancelled (a drain timeout: the rows stay in
    /// flight and are requeued at the next start).
    func wait(for ticket: Int) async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.committed >= ticket || Task.isCancelled { return true }
                    state.waiters.append((ticket, id, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }
}
