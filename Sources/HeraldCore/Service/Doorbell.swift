import Synchronization

/// A coalescing wake-up signal between services: any number of rings while nobody listens count as one, and a
/// waiter sleeps until a ring, a timeout or cancellation. The one way intake wakes the dispatcher and finished
/// deliveries wake their lane, without polling. One waiter at a time.
public final class Doorbell: Sendable {
    /// Why a wait ended: callers mostly do not care, tests do.
    public enum Wake: Sendable, Equatable {
        case rung, timedOut, cancelled
    }

    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Whether a waiter is parked now (tests wait for this before ringing, instead of sleeping).
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    /// Returns at once if rung since the last wait; otherwise after a ring, `timeout`, or task cancellation.
    @discardableResult
    public func wait(timeout: Duration?) async -> Wake {
        if state.withLock({ state in defer { state.rung = false }; return state.rung }) { return .rung }
        return await withTaskGroup(of: Wake.self) { group in
            group.addTask {
                await self.waitForRing()
                return Task.isCancelled ? .cancelled : .rung
            }
            if let timeout {
                group.addTask {
                    do {
                        try await Task.sleep(for: timeout)
                        return .timedOut
                    } catch {
                        return .cancelled
                    }
                }
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            self.wakeWaiter()
            return first
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            wakeWaiter()
        }
    }

    private func wakeWaiter() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
