import HeraldCore
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization
import XCTest

@testable import HeraldHTTP

/// `/metrics`, `/healthz`, `/readyz`, and the service's life in a `ServiceGroup`. Metrics go through a
/// `PrometheusMetricsFactory` on a test-owned registry: no global `MetricsSystem.bootstrap`.
final class OpsRouteTests: XCTestCase {
    func service(registry: PrometheusCollectorRegistry = .init(), ready: @escaping @Sendable () -> Bool = { true })
        -> HTTPService
    {
        HTTPService(
            host: "127.0.0.1", port: 0, unsubscriber: FakeUnsubscriber(known: [:]), registry: registry, ready: ready,
            logger: Logger(label: "test"))
    }

    func testHealthz() async throws {
        try await service().makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(String(buffer: response.body), "ok\n")
        }
    }

    func testReadyzFollowsReady() async throws {
        let isReady = Atomic(false)
        try await service(ready: { isReady.load(ordering: .relaxed) }).makeApplication().test(.router) { client in
            let before = try await client.execute(uri: "/readyz", method: .get)
            XCTAssertEqual(before.status, .serviceUnavailable)
            isReady.store(true, ordering: .relaxed)
            let after = try await client.execute(uri: "/readyz", method: .get)
            XCTAssertEqual(after.status, .ok)
        }
    }

    func testMetricsEmitsRegistryInTextFormat() async throws {
        let registry = PrometheusCollectorRegistry()
        let descriptor = MetricNameDescriptor(
            namespace: "herald", metricName: "test", unitName: "total", helpText: "A counter the test bumps.")
        registry.makeCounter(descriptor: descriptor, labels: [("channel", "email")]).increment(by: Int64(3))
        let delivery = DeliveryMetrics(factory: PrometheusMetricsFactory(registry: registry))
        delivery.record([
            LogEvent(ts: 0, event: .delivered, channel: "email", latencyMs: 20),
            LogEvent(ts: 0, event: .delivered, channel: "email", latencyMs: 700),
            LogEvent(ts: 0, event: .throttled, channel: "email"),
        ])
        delivery.updateConcurrency(channel: "email", limit: 8)

        try await service(registry: registry).makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], HTTPRoutes.prometheusContentType)
            let samples = try Self.parse(String(buffer: response.body))
            XCTAssertEqual(samples[#"herald_test_total{channel="email"}"#], 3)
            XCTAssertEqual(samples[#"herald_events_total{channel="email",event="delivered"}"#], 2)
            XCTAssertEqual(samples[#"herald_plugin_errors_total{channel="email",outcome="throttled"}"#], 1)
            XCTAssertEqual(samples[#"herald_delivery_latency_seconds_count{channel="email"}"#], 2)
            XCTAssertEqual(samples[#"herald_delivery_latency_seconds_bucket{channel="email",le="0.025"}"#], 1)
            XCTAssertEqual(samples[#"herald_delivery_latency_seconds_bucket{channel="email",le="+Inf"}"#], 2)
            XCTAssertEqual(samples[#"herald_channel_concurrency{channel="email"}"#], 8)
        }
    }

    /// A strict-enough reader of the Prometheus text format: `# TYPE`/`# HELP` comments, else `name{labels} value`.
    static func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw ParseError(line: String(line))
            }
            let series = line[..<space]
            guard let first = series.first, first.isLetter || first == "_",
                series.allSatisfy({ $0.isASCII && !$0.isNewline })
            else { throw ParseError(line: String(line)) }
            samples[String(series)] = value
        }
        return samples
    }

    struct ParseError: Error { var line: String }

    func testLiveServerAnswers() async throws {
        try await service().makeApplication().test(.live) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            XCTAssertEqual(response.status, .ok)
        }
    }

    func testRunStopsOnGracefulShutdown() async throws {
        let group = ServiceGroup(
            configuration: .init(services: [service()], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
