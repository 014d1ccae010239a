import Foundation
import HeraldPluginAPI
import Logging
import Synchronization

/// The delivery log: JSON lines appended to one file that operators `tail -f`. Opened with O_APPEND and reopened
/// on SIGHUP/SIGUSR1, so logrotate works without copytruncate. Lines that cannot be written (disk full) are kept
/// in memory, up to a bound, and written with the next batch.
public final class DeliveryLog: Sendable {
    private struct State {
        var fd: Int32
        var pending: [UInt8] = []
        var failing = false
    }

    public let path: String
    private let state: Mutex<State>
    /// Who else hears every event (metrics, statistics, status callbacks), before its line is written.
    private let observers = Mutex<[@Sendable ([LogEvent]) -> Void]>([])
    private let logger: Logger
    private static let pendingLimit = 16 << 20

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SpoolError.io(path: path, operation: "open", errno: errno) }
        state = Mutex(State(fd: fd))
    }

    deinit {
        state.withLock { _ = close($0.fd) }
    }

    /// Adds a listener that gets every batch of events just before its lines are written, on the writer's thread
    /// (keep it cheap): whoever reads a line can count on statistics and metrics already holding it.
    public func observe(_ observer: @escaping @Sendable ([LogEvent]) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    public func write(_ events: [LogEvent]) {
        guard !events.isEmpty else { return }
        for observer in observers.withLock({ $0 }) { observer(events) }
        var writer = JSONWriter(reservingCapacity: events.count * 300)
        var timestamps = TimestampText()
        for event in events { event.write(into: &writer, timestamps: &timestamps) }
        let bytes = writer.bytes
        let logger = self.logger
        let path = self.path
        state.withLock { state in
            state.pending.append(contentsOf: bytes)
            let written = state.pending.withUnsafeBytes { buffer -> Int in
                var offset = 0
                while offset < buffer.count {
                    let count = Glibc.write(state.fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        break
                    }
                    offset += count
                }
                return offset
            }
            let error = errno
            state.pending.removeFirst(written)
            if !state.pending.isEmpty {
                if !state.failing {
                    logger.error("delivery log \(path): cannot write (\(String(cString: strerror(error)))); keeping lines in memory")
                    state.failing = true
                }
                if state.pending.count > Self.pendingLimit {
                    state.pending.removeFirst(state.pending.count - Self.pendingLimit)
                }
            } else if state.failing {
                logger.notice("delivery log \(path): writing again")
                state.failing = false
            }
        }
    }

    /// Reopens the file by name, after logrotate moved it.
    public func reopen() {
        let path = self.path
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            logger.error("delivery log \(path): cannot reopen: \(String(cString: strerror(errno)))")
            return
        }
        state.withLock { state in
            close(state.fd)
            state.fd = fd
        }
    }
}
