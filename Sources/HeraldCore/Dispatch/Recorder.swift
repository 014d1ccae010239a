import Foundation
import HeraldPluginAPI
import Logging
import Synchronization

/// Records what deliveries came to: queue updates in one SQLite transaction per batch, dead letters in
/// `failed/`, then the delivery-log lines. Batching here is what lets thousands of outcomes a second cost a
/// handful of commits. If the disk is full it keeps the batch and tries again: the rows stay `inflight`, so
/// a crash meanwhile redelivers rather than loses.
final class Recorder: Sendable {
    struct Result: Sendable {
        var update: StateUpdate
        var event: LogEvent
        /// Set when the message is dead: its original bytes, for `failed/ID.json`.
        var deadLetter: [UInt8]?
    }

    private let store: QueueStore
    private let log: DeliveryLog
    private let failedDirectory: String
    private let logger: Logger
    private let buffer = Mutex<[Result]>([])
    /// What the lanes learned for the policy (recipients to suppress, marketing sends for caps), written once per
    /// flush rather than once per batch on the lanes' own time.
    private let policyBuffer = Mutex<PolicyNotes>(PolicyNotes())
    private let policy: (store: SuppressionStore, capWindow: Int64)?

    struct PolicyNotes {
        var suppress: [SuppressionStore.Entry] = []
        var sent: [(identity: String, channel: String, at: Int64)] = []
    }
    private let doorbell = Doorbell()
    /// Rung after each flush: retries may have become due, lanes may go on.
    private let afterFlush: @Sendable () -> Void

    init(
        store: QueueStore, log: DeliveryLog, failedDirectory: String, logger: Logger,
        policy: (store: SuppressionStore, capWindow: Int64)? = nil, afterFlush: @escaping @Sendable () -> Void
    ) {
        self.policy = policy
        self.store = store
        self.log = log
        self.failedDirectory = failedDirectory
        self.logger = logger
        self.afterFlush = afterFlush
    }

    func submit(_ results: [Result]) {
        guard !results.isEmpty else { return }
        buffer.withLock { $0.append(contentsOf: results) }
        doorbell.ring()
    }

    func submit(_ notes: PolicyNotes) {
        guard !notes.suppress.isEmpty || !notes.sent.isEmpty else { return }
        policyBuffer.withLock {
            $0.suppress += notes.suppress
            $0.sent += notes.sent
        }
        doorbell.ring()
    }

    /// Wakes the flush loop without new results, e.g. to notice that the lanes are done.
    func wake() {
        doorbell.ring()
    }

    /// Flushes until `isDone()` holds and nothing is left. Sleeps while there is nothing to record.
    func run(isDone: @Sendable () -> Bool) async {
        var retrying = false
        while true {
            if retrying {
                // The last commit failed (disk full): try again in a second whether or not more arrives.
                try? await Task.sleep(for: .seconds(1))
            } else {
                await doorbell.wait(timeout: nil)
            }
            // Let a burst of outcomes gather into one transaction.
            try? await Task.sleep(for: .milliseconds(2))
            retrying = !flush()
            if Task.isCancelled || (isDone() && buffer.withLock({ $0.isEmpty })) { return }
        }
    }

    /// Returns false when the batch could not be committed and was kept for the next try.
    @discardableResult
    func flush() -> Bool {
        flushPolicy()
        return flushResults()
    }

    /// A policy write that fails is logged and dropped: a missed cap count or auto-suppression must not hold up
    /// the queue (the next recipient-invalid outcome suppresses again).
    private func flushPolicy() {
        guard let policy else { return }
        let notes = policyBuffer.withLock { notes in
            defer { notes = PolicyNotes() }
            return notes
        }
        do {
            try policy.store.add(notes.suppress)
            if let now = notes.sent.last?.at { try policy.store.recordSent(notes.sent, keepSince: now - policy.capWindow) }
        } catch {
            logger.error("cannot record \(notes.suppress.count) suppressions and \(notes.sent.count) sends for caps: \(error)")
        }
    }

    private func flushResults() -> Bool {
        let batch = buffer.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        guard !batch.isEmpty else { return true }
        let now = Clock.nowMillis()
        do {
            for result in batch {
                if let body = result.deadLetter { try writeDeadLetter(result, body: body, now: now) }
            }
            try store.apply(batch.map(\.update), now: now)
        } catch {
            logger.error("cannot record \(batch.count) outcomes: \(error); keeping them and retrying")
            buffer.withLock { $0.insert(contentsOf: batch, at: 0) }
            return false
        }
        log.write(batch.map(\.event))
        afterFlush()
        return true
    }

    private func writeDeadLetter(_ result: Result, body: [UInt8], now: Int64) throws {
        let id = result.update.id
        let earlier = (try? store.row(id: id))?.history ?? ""
        let lines = (earlier + (result.update.historyEntry ?? "")).split(separator: "\n")
        var writer = JSONWriter(reservingCapacity: body.count + 512)
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"failed_at\":")
        writer.string(Timestamp.format(now))
        writer.raw(",\"reason\":")
        writer.string(result.update.detail ?? "")
        writer.raw(",\"attempts\":[")
        writer.appendRaw(lines.joined(separator: ",").utf8)
        writer.raw("],\"message\":")
        writer.appendRaw(body)
        writer.raw("}\n")
        try SpoolFile.writeAtomically(writer.bytes, directory: failedDirectory, name: id + ".json", sync: true)
    }
}
