import HeraldPluginAPI

/// The checks every channel plugin's tests run (STYLE 10): one outcome per delivery in order, an empty batch
/// answered with nothing, and a cancelled batch that still returns promptly with one outcome each. Returns the
/// violations as sentences, so any test framework can assert the list is empty.
public enum PluginConformance {
    public static func check(_ plugin: some ChannelPlugin, sample: [Delivery]) async -> [String] {
        var problems: [String] = []
        let limits = plugin.limits
        if limits.maxBatch < 1 { problems.append("limits.maxBatch is \(limits.maxBatch); must be at least 1") }
        if limits.maxConcurrency < 1 { problems.append("limits.maxConcurrency must be at least 1") }

        let empty = await plugin.deliver([])
        if !empty.isEmpty { problems.append("an empty batch returned \(empty.count) outcomes") }

        let batch = Array(sample.prefix(max(1, limits.maxBatch)))
        let outcomes = await plugin.deliver(batch)
        if outcomes.count != batch.count {
            problems.append("a batch of \(batch.count) returned \(outcomes.count) outcomes")
        }

        let cancelled = Task { await plugin.deliver(batch) }
        cancelled.cancel()
        let late = await cancelled.value
        if late.count != batch.count {
            problems.append("a cancelled batch of \(batch.count) returned \(late.count) outcomes")
        }
        return problems
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
