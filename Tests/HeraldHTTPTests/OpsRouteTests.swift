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
        let port = try XCTUnwrap(LoopbackHTTP.freePort())
        let service = HTTPService(
            host: "127.0.0.1", port: port, unsubscriber: FakeUnsubscriber(known: [:]), registry: .init(),
            ready: { true }, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var answer: String?
            for _ in 0..<200 where answer == nil {
                answer = LoopbackHTTP.get(port: port, path: "/healthz")
                if answer == nil { try await Task.sleep(for: .milliseconds(25)) }
            }
            XCTAssertEqual(answer.map { $0.hasPrefix("HTTP/1.1 200") }, true, "the running service answers /healthz")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        XCTAssertNil(LoopbackHTTP.get(port: port, path: "/healthz"), "after shutdown nothing listens on the port")
    }
}

/// Plain blocking HTTP/1.1 over a loopback socket: enough to see whether a server listens and what it answers.
enum LoopbackHTTP {
    static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return ok ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    /// The status line and whatever else came before the server closed; nil when nothing accepts the connection.
    static func get(port: Int, path: String) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }
}
