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

    private let store: any MessageQueue
    private let log: DeliveryLog
    private let failedDirectory: String
    private let logger: Logger
    private let buffer = Mutex<[Result]>([])
    /// Which submissions are committed, so a lane can hold a delivery's slot until its outcome is on record
    /// (`RecordTickets`).
    private let tickets = RecordTickets()
    /// Log lines that change no message (a destination down or up), written with the next flush.
    private let eventBuffer = Mutex<[LogEvent]>([])
    /// Recipients the lanes found invalid, suppressed once per flush rather than once per batch on the lanes' time.
    private let suppressBuffer = Mutex<[SuppressionStore.Entry]>([])
    private let suppressions: (any SuppressionList)?
    /// Sends counted for caps, written when `SendHistory` says they are due.
    private let history: (any CapLedger)?
    private let doorbell = Doorbell()
    /// Rung after each flush: retries may have become due, lanes may go on.
    private let afterFlush: @Sendable () -> Void
    /// The time stamps of commits and dead letters (`TimeSource`).
    private let time: TimeSource

    init(
        store: any MessageQueue, log: DeliveryLog, failedDirectory: String, logger: Logger,
        suppressions: (any SuppressionList)? = nil, history: (any CapLedger)? = nil, time: TimeSource = .system,
        afterFlush: @escaping @Sendable () -> Void
    ) {
        self.time = time
        self.suppressions = suppressions
        self.history = history
        self.store = store
        self.log = log
        self.failedDirectory = failedDirectory
        self.logger = logger
        self.afterFlush = afterFlush
    }

    /// Returns the ticket `waitUntilRecorded` takes: the results are committed once it is.
    @discardableResult
    func submit(_ results: [Result]) -> Int {
        guard !results.isEmpty else { return tickets.last }
        let ticket = buffer.withLock { buffer in
            buffer.append(contentsOf: results)
            return tickets.issue()
        }
        doorbell.ring()
        return ticket
    }

    /// Until everything submitted up to `ticket` is committed, or the task is cancelled.
    func waitUntilRecorded(_ ticket: Int) async {
        await tickets.wait(for: ticket)
    }

    func submit(_ suppress: [SuppressionStore.Entry]) {
        guard !suppress.isEmpty else { return }
        suppressBuffer.withLock { $0 += suppress }
        doorbell.ring()
    }

    func submit(events: [LogEvent]) {
        guard !events.isEmpty else { return }
        eventBuffer.withLock { $0 += events }
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
                // Sends waiting for caps are written within their delay even when nothing else happens.
                await doorbell.wait(timeout: history?.hasWaiting == true ? .milliseconds(SendHistory.writeDelay) : nil)
            }
            // Let a burst of outcomes gather into one transaction.
            try? await Task.sleep(for: .milliseconds(2))
            retrying = !flush()
            // The sends still waiting for caps are written by `finish`, after the lanes' last outcomes.
            if Task.isCancelled || (isDone() && buffer.withLock({ $0.isEmpty })) { return }
        }
    }

    /// Returns false when the batch could not be committed and was kept for the next try.
    @discardableResult
    func flush() -> Bool {
        writePolicy(force: false)
        return flushResults()
    }

    /// The last flush, after every lane has stopped (or was cancelled while sending): results, then every send
    /// still waiting for caps, whatever its age.
    func finish() {
        _ = flushResults()
        writePolicy(force: true)
    }

    /// Policy writes that fail are logged, not retried here: a missed auto-suppression must not hold up the queue
    /// (the next recipient-invalid outcome suppresses again), and unwritten sends wait in the history for its next
    /// write.
    private func writePolicy(force: Bool) {
        let suppress = suppressBuffer.withLock { buffer in
            defer { buffer.removeAll() }
            return buffer
        }
        do {
            try suppressions?.add(suppress)
        } catch {
            logger.error("cannot record \(suppress.count) suppressions: \(error)")
        }
        do {
            try history?.write(now: time.now(), force: force)
        } catch where force {
            logger.error("cannot record sends for frequency caps at stop: \(error); caps will not count them after the restart")
        } catch {
            logger.error("cannot record sends for frequency caps: \(error); keeping them in memory and trying again")
        }
    }

    private func flushResults() -> Bool {
        let events = eventBuffer.withLock { buffer in
            defer { buffer.removeAll() }
            return buffer
        }
        log.write(events)
        let (batch, upTo) = buffer.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return (buffer, tickets.last)
        }
        guard !batch.isEmpty else { return true }
        let now = time.now()
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
        tickets.committed(upTo: upTo)
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
