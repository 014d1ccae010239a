import Foundation
import GRDB
import HeraldPluginAPI
import Logging
import ServiceLifecycle

/// Moves spool files into the queue (DESIGN §1, §3): lists `incoming/`, reads and validates in batches, commits each
/// batch in one SQLite transaction, and only then unlinks the files. Bad files go to `rejected/`. On a full disk
/// it pauses with one log line and tries again, leaving every file where it is.
public final class Intake: Service, Sendable {
    public struct Settings: Sendable {
        public var batch: Int
        public var rescan: Duration
        public var maxFileSize: Int
        public var allowedGroups: Set<gid_t>?
        /// How long to wait before trying again after the disk filled up.
        public var retryAfterFull: Duration = .seconds(2)
    }

    private let layout: SpoolLayout
    private let store: any MessageQueue
    private let decoder: MessageDecoder
    private let settings: Settings
    private let log: DeliveryLog
    private let mask: RecipientMask
    private let logger: Logger
    /// Rung by inotify and by `herald enqueue`/`requeue` drops.
    public let doorbell = Doorbell()
    /// Rung after every commit that queued something.
    private let onQueued: @Sendable () -> Void
    /// Called once, after the first full scan (systemd READY=1).
    private let onFirstScan: @Sendable () -> Void

    public init(
        layout: SpoolLayout, store: any MessageQueue, decoder: MessageDecoder, settings: Settings, log: DeliveryLog,
        mask: RecipientMask, logger: Logger, onQueued: @escaping @Sendable () -> Void,
        onFirstScan: @escaping @Sendable () -> Void
    ) {
        self.layout = layout
        self.store = store
        self.decoder = decoder
        self.settings = settings
        self.log = log
        self.mask = mask
        self.logger = logger
        self.onQueued = onQueued
        self.onFirstScan = onFirstScan
    }

    public func run() async throws {
        let watcher = try InotifyWatcher(directory: layout.incoming, doorbell: doorbell)
        defer { watcher.stop() }
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var first = true
        var paused = false
        while !Task.isCancelled {
            let outcome = scan()
            if first {
                first = false
                onFirstScan()
            }
            switch outcome {
            case .done:
                if paused {
                    logger.notice("intake resumed: files are committed again")
                    paused = false
                }
                await doorbell.wait(timeout: settings.rescan)
            case .blocked(let reason):
                if !paused {
                    logger.error("intake paused: \(reason); files stay in incoming/, retrying")
                    paused = true
                }
                try? await Task.sleep(for: settings.retryAfterFull)
            }
        }
    }

    enum ScanOutcome: Equatable {
        case done
        /// Nothing can be committed or moved now (no space, the database refusing writes): wait and retry.
        case blocked(String)
    }

    /// One pass over `incoming/`. Synchronous on purpose: it is file and SQLite work, run on the service's task.
    func scan() -> ScanOutcome {
        let incoming = layout.incoming
        // `herald requeue` drops `.wake` to have queued work looked at now rather than at the next rescan.
        if unlink(incoming + "/.wake") == 0 { onQueued() }
        // Files are opened and unlinked relative to the directory: no path to build or walk per file.
        let directory = open(incoming, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return .done }  // as when the listing below cannot open it
        defer { close(directory) }
        var outcome = ScanOutcome.done
        var undecodable: [[UInt8]] = []
        SpoolFile.forEachBatch(directory: incoming, size: settings.batch, undecodable: { undecodable.append($0) }) {
            names in
            outcome = process(names, in: directory)
            return outcome == .done
        }
        if !undecodable.isEmpty { rejectUndecodable(undecodable) }
        return outcome
    }

    /// Names that are not UTF-8 are never read: moved aside with the reason, like any other bad file.
    private func rejectUndecodable(_ names: [[UInt8]]) {
        let now = Clock.nowMillis()
        var events: [LogEvent] = []
        for raw in names {
            do {
                let target = try Rejects(layout: layout).rejectUndecodable(name: raw, at: now)
                events.append(
                    LogEvent(
                        ts: now, event: .rejected, code: IntakeError.Code.badFileName.rawValue,
                        detail: "the file name is not valid UTF-8", file: target))
                logger.warning("rejected \(target): the file name is not valid UTF-8")
            } catch {
                logger.error("cannot move \(Rejects.escaped(raw)) to rejected/: \(error)")
            }
        }
        log.write(events)
    }

    private func process(_ names: [String], in directory: Int32) -> ScanOutcome {
        let now = Clock.nowMillis()
        var accepted: [String] = []
        var items: [NewMessage] = []
        var events: [LogEvent] = []
        accepted.reserveCapacity(names.count)
        items.reserveCapacity(names.count)
        events.reserveCapacity(names.count)
        var outcome = ScanOutcome.done
        let (maxSize, groups, decoder) = (settings.maxFileSize, settings.allowedGroups, decoder)
        // Reading and parsing is most of intake's work and each file is independent: spread it over the cores.
        let parsed = ParallelMap.map(names) { name -> Result<NewMessage, IntakeError> in
            do throws(IntakeError) {
                let bytes = try SpoolFile.read(name: name, in: directory, maxSize: maxSize, allowedGroups: groups)
                return .success(NewMessage(message: try decoder.decode(bytes, fileName: name), body: bytes, receivedAt: now))
            } catch {
                return .failure(error)
            }
        }
        for (name, result) in zip(names, parsed) {
            switch result {
            case .success(let item):
                accepted.append(name)
                items.append(item)
            case .failure(let error):
                var info = stat()
                // Taken away meanwhile: nothing to report.
                if fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) != 0, errno == ENOENT { continue }
                do {
                    let target = try Rejects(layout: layout).reject(name: name, error: error, at: now)
                    events.append(
                        LogEvent(
                            ts: now, event: .rejected, code: error.code.rawValue, detail: error.detail,
                            file: target, field: error.field))
                    logger.warning("rejected \(name): \(error)")
                } catch let failure {
                    if failure.isNoSpace { outcome = .blocked("no space left: \(failure)") }
                    logger.error("cannot move \(name) to rejected/: \(failure)")
                }
            }
        }
        if !items.isEmpty {
            let inserted: [Bool]
            do {
                inserted = try store.insert(items)
            } catch {
                log.write(events)
                return .blocked(Self.isNoSpace(error) ? "no space left: \(error)" : "cannot commit: \(error)")
            }
            _ = ParallelMap.map(accepted) { name in unlinkat(directory, name, 0) }
            for ((name, item), isNew) in zip(zip(accepted, items), inserted) {
                let message = item.message
                events.append(
                    LogEvent(
                        ts: now, id: message.id, event: isNew ? .accepted : .duplicate, channel: message.channel,
                        campaign: message.campaign, stage: message.stage, to: mask.display(message.to),
                        detail: isNew ? nil : "a message with this id is already known; not sent again", file: name))
            }
            if inserted.contains(true) { onQueued() }
        }
        log.write(events)
        return outcome
    }

    static func isNoSpace(_ error: any Error) -> Bool {
        if let error = error as? DatabaseError {
            return error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR
        }
        if let error = error as? SpoolError { return error.isNoSpace }
        return false
    }
}
