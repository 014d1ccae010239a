import Foundation
import HeraldCrypto
import HeraldPluginAPI
import Logging
import Synchronization
import XCTest

@testable import HeraldCore

/// Status callbacks: the request's exact bytes (signed by HeraldCrypto's `StandardWebhookKey`, whose reference
/// vector is tested in HeraldCryptoTests), filtering, and the service's retry of one window under one id against
/// a fake sender.
final class CallbackServiceTests: XCTestCase {
    var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-callback-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every request the fake endpoint saw; answers with the statuses given, then 200.
    final class FakeEndpoint: Sendable {
        struct Request: Sendable {
            var url: String
            var headers: [String]
            var body: [UInt8]

            func header(_ name: String) -> String? {
                headers.first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) }
            }
        }

        private let state: Mutex<(requests: [Request], statuses: [Int])>

        init(statuses: [Int] = []) {
            state = Mutex(([], statuses))
        }

        var requests: [Request] { state.withLock { $0.requests } }

        func send(url: String, headers: [String], body: [UInt8]) -> Int {
            state.withLock { state in
                state.requests.append(Request(url: url, headers: headers, body: body))
                return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
            }
        }
    }

    func testBatchBodyHeadersAndFilter() throws {
        let entries = [
            OutboxEntry(seq: 7, event: "accepted", json: Array(#"{"event":"accepted"}"#.utf8)),
            OutboxEntry(seq: 8, event: "delivered", json: Array(#"{"event":"delivered","id":"a"}"#.utf8)),
            OutboxEntry(seq: 9, event: "failed", json: Array(#"{"event":"failed","id":"b"}"#.utf8)),
        ]
        let batch = try XCTUnwrap(CallbackBatch(entries: entries, kinds: ["delivered", "failed"]))
        XCTAssertEqual(batch.id, "evt_7-9", "the whole window names the batch, filtered events included")
        XCTAssertEqual(batch.lastSeq, 9)
        let now: Int64 = 1_614_265_330_250
        let body = batch.body(now: now)
        XCTAssertEqual(
            String(decoding: body, as: UTF8.self),
            #"{"type":"herald.events","timestamp":"2021-02-25T15:02:10.250Z","data":{"events":["#
                + #"{"event":"delivered","id":"a"},{"event":"failed","id":"b"}]}}"#)
        let secret = Array("a secret of twenty-four!".utf8)
        XCTAssertEqual(
            batch.headers(body: body, now: now, secret: secret),
            [
                "content-type: application/json", "webhook-id: evt_7-9", "webhook-timestamp: 1614265330",
                "webhook-signature: "
                    + StandardWebhookKey(bytes: secret).signature(id: "evt_7-9", timestamp: 1_614_265_330, body: body),
            ])
        XCTAssertEqual(batch.headers(body: body, now: now, secret: nil).count, 3, "no secret: unsigned")
        XCTAssertNil(CallbackBatch(entries: [], kinds: ["delivered"]))
        XCTAssertEqual(CallbackBatch(entries: entries, kinds: [])?.events, [])
    }

    func testRetriesTheSameBatchUntilAcknowledgedThenSendsTheNext() async throws {
        let ledger = try EventLedger(directory: directory, callbacks: true)
        let events = (0..<3).map { LogEvent(ts: 1000 + Int64($0), id: "m\($0)", event: .delivered, channel: "email") }
        try ledger.record(events)
        let endpoint = FakeEndpoint(statuses: [503, 0])
        let secret = Array("a secret of twenty-four!".utf8)
        let service = CallbackService(
            ledger: ledger, url: "https://hooks.example/herald", secret: secret, batch: 10,
            events: ["delivered", "failed"], logger: Logger(label: "test"),
            retry: RetryPolicy(min: .milliseconds(5), max: .milliseconds(20), maxAge: .zero),
            send: { endpoint.send(url: $0, headers: $1, body: $2) })
        let task = Task { try await service.run() }
        defer { task.cancel() }

        try await waitUntil { endpoint.requests.count == 3 && (try? ledger.pending(limit: 10))?.isEmpty == true }
        let requests = endpoint.requests
        XCTAssertEqual(requests.map { $0.header("webhook-id") }, Array(repeating: "evt_1-3", count: 3))
        XCTAssertEqual(Set(requests.map(\.url)), ["https://hooks.example/herald"])
        for request in requests {
            let id = try XCTUnwrap(request.header("webhook-id"))
            let timestamp = try XCTUnwrap(request.header("webhook-timestamp").flatMap { Int64($0) })
            XCTAssertEqual(
                request.header("webhook-signature"),
                StandardWebhookKey(bytes: secret).signature(id: id, timestamp: timestamp, body: request.body))
        }
        let body = String(decoding: requests[2].body, as: UTF8.self)
        XCTAssertTrue(body.contains(#""events":[{"ts":"1970-01-01T00:00:01.000Z","id":"m0","event":"delivered""#))

        // Idle now; a new batch rings the ledger's doorbell. An accepted-only window is retired without a request.
        try ledger.record([LogEvent(ts: 2000, id: "x", event: .accepted)])
        try await waitUntil { (try? ledger.pending(limit: 10))?.isEmpty == true }
        try ledger.record([LogEvent(ts: 3000, id: "m3", event: .failed, channel: "email")])
        try await waitUntil { endpoint.requests.count == 4 }
        XCTAssertEqual(endpoint.requests.last?.header("webhook-id"), "evt_5-5")
    }

    func testStopsWhenCancelledWhileBackingOff() async throws {
        let ledger = try EventLedger(directory: directory, callbacks: true)
        try ledger.record([LogEvent(ts: 1000, id: "m", event: .delivered)])
        let endpoint = FakeEndpoint(statuses: Array(repeating: 500, count: 100))
        let service = CallbackService(
            ledger: ledger, url: "https://hooks.example/", secret: nil, batch: 10, events: ["delivered"],
            logger: Logger(label: "test"), retry: RetryPolicy(min: .seconds(60), max: .seconds(60), maxAge: .zero),
            send: { endpoint.send(url: $0, headers: $1, body: $2) })
        let task = Task { try await service.run() }
        try await waitUntil { endpoint.requests.count == 1 }
        let start = ContinuousClock.now
        task.cancel()
        _ = try? await task.value
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5))
        XCTAssertEqual(try ledger.pending(limit: 10).count, 1, "unacknowledged events stay for the next start")
    }

    private func waitUntil(
        timeout: Duration = .seconds(10), file: StaticString = #filePath, line: UInt = #line,
        _ condition: () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                XCTFail("condition not met in \(timeout)", file: file, line: line)
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
