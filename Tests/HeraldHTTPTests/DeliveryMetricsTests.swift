import XCTest

@testable import HeraldCore

/// `DeliveryMetrics` against an in-memory factory: names, labels, values, the per-label-set cache, and zeroing of
/// queue states that emptied.
final class DeliveryMetricsTests: XCTestCase {
    func testCountsEventsPerEventAndChannel() {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        metrics.record([event(.delivered), event(.delivered), event(.accepted, nil), event(.delivered, "push")])
        metrics.record([event(.delivered)])

        let name = DeliveryMetrics.Name.events
        XCTAssertEqual(factory.instrument(name, [("channel", "email"), ("event", "delivered")])?.total, 3)
        XCTAssertEqual(factory.instrument(name, [("channel", "push"), ("event", "delivered")])?.total, 1)
        XCTAssertEqual(factory.instrument(name, [("channel", ""), ("event", "accepted")])?.total, 1)
        // One batch bumps a counter once, by the batch's count, not once per event.
        XCTAssertEqual(factory.instrument(name, [("channel", "email"), ("event", "delivered")])?.all, [2, 1])
    }

    func testDestinationDownIsAGaugePerDestination() {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        var down = LogEvent(ts: 1, event: .destinationDown, channel: "email")
        down.destination = "down.example"
        var up = down
        up.event = .destinationUp
        metrics.record([down])
        let labels = [("channel", "email"), ("destination", "down.example")]
        XCTAssertEqual(factory.instrument(DeliveryMetrics.Name.destinationDown, labels)?.all, [1])
        metrics.record([up])
        XCTAssertEqual(factory.instrument(DeliveryMetrics.Name.destinationDown, labels)?.all, [1, 0])
    }

    func testMakesEachInstrumentOnce() {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        for _ in 0..<50 {
            metrics.record([event(.delivered, latency: 5), event(.failed)])
            metrics.updateConcurrency(channel: "email", limit: 4)
        }
        XCTAssertFalse(factory.made.isEmpty)
        XCTAssertEqual(factory.made.filter { $0.value != 1 }, [:])
    }

    func testLatencyComesFromDeliveredEventsOnly() {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        metrics.record([
            event(.delivered, latency: 12), event(.delivered, latency: nil), event(.failed, latency: 900),
            event(.delivered, "push", latency: 3),
        ])
        let latency = DeliveryMetrics.Name.latency
        XCTAssertEqual(factory.instrument(latency, [("channel", "email")])?.all, [12_000_000])
        XCTAssertEqual(factory.instrument(latency, [("channel", "push")])?.all, [3_000_000])
    }

    func testPluginErrorsCountTroubleOutcomesOnly() {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        let all = LogEvent.Kind.allCases.map { event($0) }
        metrics.record(all)

        let errors = factory.keys.filter { $0.hasPrefix(DeliveryMetrics.Name.pluginErrors) }
        XCTAssertEqual(
            errors,
            Set(
                ["failed", "deferred", "throttled", "paused"].map {
                    TestMetricsFactory.key(DeliveryMetrics.Name.pluginErrors, [("channel", "email"), ("outcome", $0)])
                }))
        let eventCounters = factory.keys.filter { $0.hasPrefix(DeliveryMetrics.Name.events) }
        XCTAssertEqual(eventCounters.count, LogEvent.Kind.allCases.count)
    }

    func testQueueGaugesZeroStatesThatEmptied() {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        metrics.updateQueue([
            QueueCount(channel: "email", state: .queued, count: 7, oldestCreatedAt: nil),
            QueueCount(channel: "email", state: .deferred, count: 2, oldestCreatedAt: nil),
        ])
        metrics.updateQueue([QueueCount(channel: "email", state: .queued, count: 5, oldestCreatedAt: nil)])

        let queue = DeliveryMetrics.Name.queue
        XCTAssertEqual(factory.instrument(queue, [("channel", "email"), ("state", "queued")])?.last, 5)
        XCTAssertEqual(factory.instrument(queue, [("channel", "email"), ("state", "deferred")])?.last, 0)
    }

    func testConcurrencyGauge() {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        metrics.updateConcurrency(channel: "webhook", limit: 64)
        metrics.updateConcurrency(channel: "webhook", limit: 1)
        XCTAssertEqual(
            factory.instrument(DeliveryMetrics.Name.concurrency, [("channel", "webhook")])?.all, [64, 1])
    }

    func testConcurrentRecordingLosesNothing() async {
        let factory = TestMetricsFactory()
        let metrics = DeliveryMetrics(factory: factory)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<100 { metrics.record([event(.delivered, latency: 1)]) }
                }
            }
        }
        let counter = factory.instrument(DeliveryMetrics.Name.events, [("channel", "email"), ("event", "delivered")])
        XCTAssertEqual(counter?.total, 800)
        XCTAssertEqual(factory.instrument(DeliveryMetrics.Name.latency, [("channel", "email")])?.all.count, 800)
    }
}

private func event(_ kind: LogEvent.Kind, _ channel: String? = "email", latency: Int64? = nil) -> LogEvent {
    LogEvent(ts: 0, id: "m", event: kind, channel: channel, latencyMs: latency)
}
