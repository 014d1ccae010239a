import Foundation
import GRDB
import HeraldPluginAPI
import Logging
import Synchronization
import XCTest

@testable import HeraldCore

/// A dispatcher over real parts in a temporary directory: a `QueueStore`, a `DeliveryLog` file, a spool for dead
/// letters, one channel `fake` served by a `FakePlugin`, and a `FakeClock`. Tests enqueue, run the dispatcher,
/// and wait (with a deadline) for the store or the log to show what they expect.
final class DispatchHarness: Sendable {
    let root: String
    let clock = FakeClock()
    let plugin: FakePlugin
    let store: QueueStore
    let log: DeliveryLog
    let layout: SpoolLayout
    let retry: RetryPolicy
    private let events = Collected<HeraldCore.LogEvent>()
    private let channelConfig: HeraldConfig.Channel
    private let decoder = MessageDecoder(channels: ["fake"])

    /// - Parameter channelKeys: extra `[[channel]]` lines (`batch = 2`, `dead_after = 3`, …).
    init(channelKeys: String = "", retry: RetryPolicy = RetryPolicy(min: .seconds(10), max: .seconds(10), maxAge: .seconds(86_400)),
         maxBatch: Int = 1) throws {
        root = NSTemporaryDirectory() + "herald-dispatch-\(UUID().uuidString)"
        layout = SpoolLayout(root: root + "/spool")
        try layout.create()
        store = try QueueStore(directory: root)
        log = try DeliveryLog(path: root + "/delivery.log", logger: Logger(label: "test"))
        plugin = FakePlugin(clock: clock, maxBatch: maxBatch)
        self.retry = retry
        let text = "spool = \"\(root)/spool\"\n[[channel]]\nname = \"fake\"\nplugin = \"fake\"\n" + (channelKeys.contains("concurrency") ? "" : "concurrency = 1\n") + channelKeys
        guard let channel = try ConfigLoader.parse(text: text, file: "herald.toml").channels.first else {
            throw ConfigError(file: "herald.toml", line: nil, scope: "", key: "channel", reason: "no channel")
        }
        channelConfig = channel
        log.observe { [events] batch in events.append(batch) }
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Queues a message for `fake`, received now on the fake clock.
    func enqueue(_ ids: String...) throws {
        var batch: [NewMessage] = []
        for id in ids {
            let body = Array(#"{"id":"\#(id)","channel":"fake","to":{"email":"ana@example.com"},"content":{"title":"Hi"}}"#.utf8)
            batch.append(NewMessage(message: try decoder.decode(body, fileName: id + ".json"), body: body, receivedAt: clock.now))
        }
        _ = try store.insert(batch)
    }

    /// Runs a dispatcher for the duration of `body`, then stops it the way a cancelled service stops.
    func running(_ body: (Dispatcher) async throws -> Void) async throws {
        let dispatcher = Dispatcher(
            channels: [ChannelRuntime(config: channelConfig, plugin: plugin)], store: store, decoder: decoder,
            templates: TemplateStore(directory: root + "/templates"), log: log, layout: layout, retry: retry,
            mask: RecipientMask(full: false), drainTimeout: .zero, logger: Logger(label: "test"), time: clock.source)
        let task = Task { try await dispatcher.run() }
        do {
            try await body(dispatcher)
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }

    /// Every log event so far, in the order they were written.
    var logged: [HeraldCore.LogEvent] { events.all }

    func logged(_ id: String) -> [HeraldCore.LogEvent.Kind] { logged.filter { $0.id == id }.map(\.event) }

    /// The lines of the delivery log file that name `id`.
    func fileLines(naming id: String) throws -> [String] {
        try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { $0.contains(#""id":"\#(id)""#) }
    }

    struct Row: Equatable {
        var state: MessageState
        var attempts: Int
        var dueAt: Int64
    }

    func row(_ id: String) throws -> Row? {
        try store.pool.read { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT state, attempts, due_at FROM message WHERE id = ?", arguments: [id])
                .flatMap { row in MessageState(rawValue: row["state"]).map { Row(state: $0, attempts: row["attempts"], dueAt: row["due_at"]) } }
        }
    }

    /// Polls until `condition` holds, failing after a generous deadline: nothing here measures how fast.
    func waitUntil(
        _ what: String, file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                XCTFail("timed out waiting until \(what)", file: file, line: line)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// What a listener heard, for tests to read from another task.
final class Collected<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ batch: [Element]) {
        items.withLock { $0 += batch }
    }

    var all: [Element] { items.withLock { $0 } }
}
