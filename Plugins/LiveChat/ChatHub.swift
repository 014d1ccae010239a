import HeraldPluginAPI
import Synchronization

/// The built-in mode's live state: each visitor's open streams (tabs) and the messages written to them and not
/// yet acknowledged. A delivery is written to every stream of its visitor and waits for the first ack, which
/// dismisses it in the other tabs; a stream that opens gets the visitor's unacknowledged messages again (their
/// event ids unchanged, so a page that has one already shows it once). Nothing here is durable: a message the
/// hub forgets (a restart, an ack timeout) is still in the core's queue, parked until the visitor is back.
final class ChatHub: Sendable {
    struct Limits: Sendable {
        var maxStreams: Int
        var maxPending: Int
        var ackTimeout: Duration
        var idleTimeout: Duration
    }

    /// How a written message ended.
    enum Ack: Sendable, Equatable {
        case acked
        case timedOut
        case cancelled
    }

    /// How a stream's events are framed: Server-Sent Events, or one JSON text per event on a WebSocket
    /// (`{"event": "message", "id": 7, "data": {…}}`).
    enum Format: Sendable {
        case sse, webSocket
    }

    private struct Stream {
        var visitor: String
        var continuation: AsyncStream<[UInt8]>.Continuation
        var lastActivity: Int64
        var format: Format
    }

    private struct Pending {
        var seq: Int64
        var messageID: String
        var payload: [UInt8]
        var waiter: CheckedContinuation<Ack, Never>?
    }

    private struct State {
        var streams: [Int: Stream] = [:]
        var byVisitor: [String: Set<Int>] = [:]
        var pending: [String: [Pending]] = [:]
        var nextStream = 0
        var nextSeq: Int64 = 1
        var pendingCount = 0
    }

    let limits: Limits
    private let state = Mutex(State())
    private let clock: @Sendable () -> Int64

    init(limits: Limits, clock: @escaping @Sendable () -> Int64 = { Clock.nowMillis() }) {
        self.limits = limits
        self.clock = clock
    }

    var openStreams: Int { state.withLock { $0.streams.count } }
    var pendingMessages: Int { state.withLock { $0.pendingCount } }

    func isConnected(_ visitor: String) -> Bool {
        state.withLock { !($0.byVisitor[visitor] ?? []).isEmpty }
    }

    /// A new stream for `visitor`, opening with the retry hint and the visitor's unacknowledged messages; nil
    /// when `max_streams` are open. `close` forgets it (the server calls it when the response ends).
    func open(visitor: String, format: Format = .sse) -> (stream: AsyncStream<[UInt8]>, close: @Sendable () -> Void)? {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id: Int? = state.withLock { state in
            guard state.streams.count < limits.maxStreams else { return nil }
            let id = state.nextStream
            state.nextStream += 1
            state.streams[id] = Stream(visitor: visitor, continuation: continuation, lastActivity: clock(), format: format)
            state.byVisitor[visitor, default: []].insert(id)
            if format == .sse { continuation.yield(Array("retry: 3000\n: connected\n\n".utf8)) }
            for message in state.pending[visitor] ?? [] {
                continuation.yield(Self.frame(format, id: message.seq, event: "message", data: message.payload))
            }
            return id
        }
        guard let id else {
            continuation.finish()
            return nil
        }
        let close: @Sendable () -> Void = { [weak self] in self?.close(id) }
        continuation.onTermination = { _ in close() }
        return (stream, close)
    }

    private func close(_ id: Int) {
        let continuation: AsyncStream<[UInt8]>.Continuation? = state.withLock { state in
            guard let stream = state.streams.removeValue(forKey: id) else { return nil }
            state.byVisitor[stream.visitor]?.remove(id)
            if state.byVisitor[stream.visitor]?.isEmpty == true { state.byVisitor[stream.visitor] = nil }
            return stream.continuation
        }
        continuation?.finish()
    }

    enum Write: Sendable, Equatable {
        case written(seq: Int64)
        case notConnected
        case tooManyPending
    }

    /// Writes `payload` (one JSON object) as event `message` to every stream of `visitor`, then waits for its ack
    /// up to `ack_timeout`.
    func deliver(visitor: String, messageID: String, payload: [UInt8]) async -> (Write, Ack?) {
        let seq = Mutex<Int64?>(nil)
        let refused = Mutex<Write?>(nil)
        let ack = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Ack, Never>) in
                let outcome = state.withLock { state -> Write in
                    guard let streams = state.byVisitor[visitor], !streams.isEmpty else { return .notConnected }
                    if let index = state.pending[visitor]?.firstIndex(where: { $0.messageID == messageID }) {
                        // Sent again by the core (a retry after a timeout) while the page still holds it: wait on.
                        state.pending[visitor]?[index].waiter?.resume(returning: .cancelled)
                        state.pending[visitor]?[index].waiter = waiter
                        return .written(seq: state.pending[visitor]?[index].seq ?? 0)
                    }
                    guard (state.pending[visitor]?.count ?? 0) < limits.maxPending else { return .tooManyPending }
                    let number = state.nextSeq
                    state.nextSeq += 1
                    state.pending[visitor, default: []].append(
                        Pending(seq: number, messageID: messageID, payload: payload, waiter: waiter))
                    state.pendingCount += 1
                    let now = clock()
                    for id in streams {
                        guard let stream = state.streams[id] else { continue }
                        stream.continuation.yield(Self.frame(stream.format, id: number, event: "message", data: payload))
                        state.streams[id]?.lastActivity = now
                    }
                    return .written(seq: number)
                }
                guard case .written(let number) = outcome else {
                    refused.withLock { $0 = outcome }
                    waiter.resume(returning: .cancelled)
                    return
                }
                seq.withLock { $0 = number }
                Task { [limits] in
                    try? await Task.sleep(for: limits.ackTimeout)
                    self.finish(visitor: visitor, seq: number, with: .timedOut)
                }
            }
        } onCancel: {
            if let number = seq.withLock({ $0 }) { self.finish(visitor: visitor, seq: number, with: .cancelled) }
        }
        if let refused = refused.withLock({ $0 }) { return (refused, nil) }
        return (.written(seq: seq.withLock { $0 } ?? 0), ack)
    }

    /// The page acknowledged `messageID`: its delivery ends delivered, the other tabs dismiss it. False when no
    /// such message waits (acked already, or never written to this visitor).
    @discardableResult
    func ack(visitor: String, messageID: String) -> Bool {
        let seq = state.withLock { state in state.pending[visitor]?.first { $0.messageID == messageID }?.seq }
        guard let seq else { return false }
        return finish(visitor: visitor, seq: seq, with: .acked)
    }

    /// The visitor did something (an ack, a reply): their streams are not idle.
    func touch(visitor: String) {
        let now = clock()
        state.withLock { state in
            for id in state.byVisitor[visitor] ?? [] { state.streams[id]?.lastActivity = now }
        }
    }

    @discardableResult
    private func finish(visitor: String, seq: Int64, with ack: Ack) -> Bool {
        let waiter: CheckedContinuation<Ack, Never>?? = state.withLock { state in
            guard let index = state.pending[visitor]?.firstIndex(where: { $0.seq == seq }),
                let message = state.pending[visitor]?.remove(at: index)
            else { return nil }
            state.pendingCount -= 1
            if state.pending[visitor]?.isEmpty == true { state.pending[visitor] = nil }
            if ack == .acked {
                let data = Array(#"{"id":"\#(message.messageID)"}"#.utf8)
                for id in state.byVisitor[visitor] ?? [] {
                    guard let stream = state.streams[id] else { continue }
                    stream.continuation.yield(Self.frame(stream.format, id: nil, event: "dismiss", data: data))
                }
            }
            return .some(message.waiter)
        }
        guard case .some(let found) = waiter else { return false }
        found?.resume(returning: ack)
        return true
    }

    /// A comment on every stream, which keeps proxies from closing them and finds dead ones; streams idle past
    /// `idle_timeout` are closed (the page's EventSource reconnects if it is still open).
    func heartbeat() {
        let now = clock()
        let idle = state.withLock { state -> [AsyncStream<[UInt8]>.Continuation] in
            var idle: [AsyncStream<[UInt8]>.Continuation] = []
            for stream in state.streams.values {
                if now - stream.lastActivity > limits.idleTimeout.milliseconds {
                    idle.append(stream.continuation)
                } else {
                    stream.continuation.yield(
                        stream.format == .sse ? Array(": heartbeat\n\n".utf8) : Array(#"{"event":"heartbeat"}"#.utf8))
                }
            }
            return idle
        }
        for continuation in idle { continuation.finish() }
    }

    /// Closes every stream (shutdown).
    func closeAll() {
        let all = state.withLock { $0.streams.values.map(\.continuation) }
        for continuation in all { continuation.finish() }
    }

    static func frame(_ format: Format, id: Int64?, event: String, data: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = []
        switch format {
        case .sse:
            if let id { frame += Array("id: \(id)\n".utf8) }
            frame += Array("event: \(event)\ndata: ".utf8)
            frame += data
            frame += Array("\n\n".utf8)
        case .webSocket:
            frame += Array(#"{"event":"\#(event)""#.utf8)
            if let id { frame += Array(#","id":\#(id)"#.utf8) }
            frame += Array(#","data":"#.utf8)
            frame += data
            frame += Array("}".utf8)
        }
        return frame
    }
}
