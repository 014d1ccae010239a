import HeraldPluginAPI
import Synchronization

/// The checks every channel plugin's tests run (STYLE 10): one outcome per delivery and in the same order (a
/// batch whose deliveries are meant to end differently, at least one of them delivered by a real peer on
/// loopback), an empty batch answered with nothing, and a cancelled batch that returns without waiting for the
/// plugin's own timeouts. Returns the violations as sentences, so any test framework can assert the list is empty.
public enum PluginConformance {
    /// One delivery and the outcome it must get (`Outcome.label`: "delivered", "permanent", "transient", …).
    public struct Case: Sendable {
        public var delivery: Delivery
        public var expected: String

        public init(_ delivery: Delivery, expect expected: String) {
            self.delivery = delivery
            self.expected = expected
        }
    }

    /// `cases` must hold at least one delivery the peer accepts and at least two different expected outcomes, so a
    /// plugin that answers out of order, or that never reaches the peer, is caught.
    public static func check(_ plugin: some ChannelPlugin, cases: [Case]) async -> [String] {
        var problems: [String] = []
        let limits = plugin.limits
        if limits.maxBatch < 1 { problems.append("limits.maxBatch is \(limits.maxBatch); must be at least 1") }
        if limits.maxConcurrency < 1 { problems.append("limits.maxConcurrency must be at least 1") }
        if !cases.contains(where: { $0.expected == "delivered" }) {
            problems.append("the cases need one delivery a loopback peer accepts: conformance includes a success")
        }
        if Set(cases.map(\.expected)).count < 2 {
            problems.append("the cases need at least two different expected outcomes, or order cannot be seen")
        }

        let empty = await plugin.deliver([])
        if !empty.isEmpty { problems.append("an empty batch returned \(empty.count) outcomes") }

        let size = max(1, limits.maxBatch)
        for start in stride(from: 0, to: cases.count, by: size) {
            let chunk = Array(cases[start..<min(start + size, cases.count)])
            let outcomes = await plugin.deliver(chunk.map(\.delivery))
            guard outcomes.count == chunk.count else {
                problems.append("a batch of \(chunk.count) returned \(outcomes.count) outcomes")
                continue
            }
            for (item, outcome) in zip(chunk, outcomes) where outcome.label != item.expected {
                problems.append(
                    "delivery \(item.delivery.id): \(outcome.label) (\(outcome.reply)), expected \(item.expected)")
            }
        }
        return problems
    }

    /// `plugin` must point at a peer that never answers (`SilentPeer`) with timeouts far longer than `within`:
    /// its batch is cancelled while in flight and must come back within `within`, one outcome each, none of them
    /// delivered. A plugin that waits out its timeouts would hold up a daemon's shutdown by as long.
    public static func checkCancellation(
        _ plugin: some ChannelPlugin, sample: [Delivery], within: Duration = .seconds(30)
    ) async -> [String] {
        let batch = Array(sample.prefix(max(1, plugin.limits.maxBatch)))
        let task = Task { await plugin.deliver(batch) }
        // Let the requests reach the peer, so the cancellation lands on transfers in flight.
        try? await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await firstOf(task, deadline: within)
        guard let outcomes = result else {
            return ["a cancelled batch did not return within \(within): cancellation must not wait for timeouts"]
        }
        var problems: [String] = []
        if outcomes.count != batch.count {
            problems.append("a cancelled batch of \(batch.count) returned \(outcomes.count) outcomes")
        }
        for (delivery, outcome) in zip(batch, outcomes) where outcome.label == "delivered" {
            problems.append("delivery \(delivery.id) reported delivered to a peer that never answered")
        }
        return problems
    }

    /// The task's value, or nil if `deadline` passes first; a task that never ends does not hold the caller.
    private static func firstOf(_ task: Task<[Outcome], Never>, deadline: Duration) async -> [Outcome]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Outcome]?, Never>) in
            let once = ResumeOnce(continuation)
            Task { once.resume(await task.value) }
            Task {
                try? await Task.sleep(for: deadline)
                once.resume(nil)
            }
        }
    }

    /// A delivery with every common field set, for plugins' tests.
    public static func sampleDelivery(id: String = "conformance-1", channel: String = "test") -> Delivery {
        Delivery(
            id: id, attempt: 1, channel: channel,
            recipient: Recipient(email: "ana@example.com", name: "Ana", timezone: "Asia/Kuala_Lumpur", externalID: "u-42"),
            content: RenderedContent(subject: "Hello", text: "Hi Ana", title: "Hello", body: "Hi Ana", url: "https://shop.example/"),
            metadata: MessageMetadata(campaign: "welcome", stage: "activation", trigger: "signed_up", data: .object(["n": .int(1)])))
    }
}

/// Resumes a continuation with whichever answer comes first; later ones are dropped.
private final class ResumeOnce: Sendable {
    private let slot: Mutex<CheckedContinuation<[Outcome]?, Never>?>

    init(_ continuation: CheckedContinuation<[Outcome]?, Never>) {
        slot = Mutex(continuation)
    }

    func resume(_ value: [Outcome]?) {
        slot.withLock { $0.take() }?.resume(returning: value)
    }
}
