import HeraldHTTP
import Metrics
import Synchronization

/// Test doubles for the HTTP tests: an `Unsubscriber` that knows a fixed set of tokens and records every call, and a
/// tiny in-memory `MetricsFactory`, so metrics are checked without `MetricsSystem.bootstrap` (once per process).
final class FakeUnsubscriber: Unsubscriber {
    enum Call: Equatable {
        case unsubscribe(String)
        case peek(String)
    }

    let known: [String: UnsubscribeReceipt]
    private let log = Mutex<[Call]>([])

    init(known: [String: UnsubscribeReceipt]) {
        self.known = known
    }

    var calls: [Call] { log.withLock { $0 } }
    var unsubscribed: [String] {
        calls.compactMap { if case .unsubscribe(let token) = $0 { token } else { nil } }
    }

    func unsubscribe(token: String) async throws -> UnsubscribeReceipt? {
        log.withLock { $0.append(.unsubscribe(token)) }
        return known[token]
    }

    func peek(token: String) -> UnsubscribeReceipt? {
        log.withLock { $0.append(.peek(token)) }
        return known[token]
    }
}

/// One instrument of `TestMetricsFactory`: every value it was given, in order (counter increments, gauge values,
/// timer nanoseconds).
final class TestInstrument: CounterHandler, RecorderHandler, TimerHandler {
    private let values = Mutex<[Double]>([])

    var all: [Double] { values.withLock { $0 } }
    var total: Double { all.reduce(0, +) }
    var last: Double? { all.last }

    func increment(by amount: Int64) { values.withLock { $0.append(Double(amount)) } }
    func reset() { values.withLock { $0 = [] } }
    func record(_ value: Int64) { values.withLock { $0.append(Double(value)) } }
    func record(_ value: Double) { values.withLock { $0.append(value) } }
    func recordNanoseconds(_ duration: Int64) { values.withLock { $0.append(Double(duration)) } }
}

/// Hands out one `TestInstrument` per label and dimensions, and counts how often each was asked for.
final class TestMetricsFactory: MetricsFactory {
    private struct State {
        var instruments: [String: TestInstrument] = [:]
        var made: [String: Int] = [:]
    }

    private let state = Mutex(State())

    /// `label{k=v,k=v}` in the order the dimensions were given.
    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    func instrument(_ label: String, _ dimensions: [(String, String)]) -> TestInstrument? {
        state.withLock { $0.instruments[Self.key(label, dimensions)] }
    }

    /// How many times each key was made; the metrics under test should make each once.
    var made: [String: Int] { state.withLock { $0.made } }

    var keys: Set<String> { state.withLock { Set($0.instruments.keys) } }

    private func make(_ label: String, _ dimensions: [(String, String)]) -> TestInstrument {
        let key = Self.key(label, dimensions)
        return state.withLock { state in
            state.made[key, default: 0] += 1
            if let existing = state.instruments[key] { return existing }
            let instrument = TestInstrument()
            state.instruments[key] = instrument
            return instrument
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        make(label, dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        make(label, dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        make(label, dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
