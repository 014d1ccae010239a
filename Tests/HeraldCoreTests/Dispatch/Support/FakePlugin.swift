import HeraldPluginAPI
import Synchronization

/// A channel plugin for the dispatch tests: it records every batch it is handed, with the fake time it arrived at,
/// and answers with whatever the test scripts. It names a destination of its own, so the lane claims and admits
/// each message through `DestinationHealth` (a lane whose only destination is the channel skips claiming instead).
final class FakePlugin: ChannelPlugin {
    struct Call: Sendable {
        var at: Int64
        var deliveries: [Delivery]
    }

    typealias Script = @Sendable (_ batch: [Delivery], _ now: Int64) -> [Outcome]

    static let name = "fake"
    static var contract: ChannelContract { ChannelContract(addressKind: "email", destination: { _ in "peer" }) }

    let limits: PluginLimits
    private let clock: FakeClock
    private let script: Mutex<Script>
    private let calls = Mutex<[Call]>([])

    init(
        clock: FakeClock, maxBatch: Int = 1, defaultBatchLinger: Duration? = nil,
        script: @escaping Script = { batch, _ in batch.map { _ in .ok } }
    ) {
        self.clock = clock
        limits = PluginLimits(maxBatch: maxBatch, maxConcurrency: 16, defaultBatchLinger: defaultBatchLinger)
        self.script = Mutex(script)
    }

    /// The registry's way in; the tests build the plugin with `init(clock:maxBatch:script:)`.
    convenience init(config: PluginConfig, context: PluginContext) throws {
        self.init(clock: FakeClock())
    }

    func answer(_ script: @escaping Script) {
        self.script.withLock { $0 = script }
    }

    /// Every batch so far, in the order the plugin got them.
    var received: [Call] { calls.withLock { $0 } }

    /// The ids of every delivery so far, in order.
    var deliveredIDs: [String] { received.flatMap { $0.deliveries.map(\.id) } }

    func deliver(_ batch: [Delivery]) async -> [Outcome] {
        let now = clock.now
        calls.withLock { $0.append(Call(at: now, deliveries: batch)) }
        return script.withLock { $0 }(batch, now)
    }
}

extension Outcome {
    static let ok = Outcome.delivered(providerID: nil, reply: Reply(code: "200", text: "ok"))
    static let unavailable = Outcome.transient(reply: Reply(code: "503", text: "unavailable"), retryAfter: nil)
}
