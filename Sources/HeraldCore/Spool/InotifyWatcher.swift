import Foundation

/// Watches `incoming/` with inotify (IN_MOVED_TO, IN_CLOSE_WRITE) on a thread of its own and rings a doorbell on
/// every burst of events, so intake sleeps while the spool is quiet instead of polling it.
///
/// `@unchecked Sendable` is sound: after `init` the descriptors are immutable and only the watcher thread reads
/// them; `stop()` only writes one byte to the stop pipe, which is what `write(2)` on a pipe is for.
public final class InotifyWatcher: @unchecked Sendable {
    private let inotifyFD: Int32
    private let stopPipe: (read: Int32, write: Int32)

    public init(directory: String, doorbell: Doorbell) throws(SpoolError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw .io(path: directory, operation: "inotify_init1", errno: errno) }
        guard inotify_add_watch(fd, directory, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE)) >= 0 else {
            let code = errno
            close(fd)
            throw .io(path: directory, operation: "inotify_add_watch", errno: code)
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let code = errno
            close(fd)
            throw .io(path: directory, operation: "pipe", errno: code)
        }
        for end in pipeFDs { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        inotifyFD = fd
        stopPipe = (pipeFDs[0], pipeFDs[1])
        let thread = Thread { [inotifyFD, stopPipe] in
            Self.watch(inotifyFD: inotifyFD, stopFD: stopPipe.read, doorbell: doorbell)
            close(inotifyFD)
            close(stopPipe.read)
        }
        thread.name = "herald-inotify"
        thread.start()
    }

    public func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        close(stopPipe.write)
    }

    private static func watch(inotifyFD: Int32, stopFD: Int32, doorbell: Doorbell) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0, fds[1].revents == 0 else { return }
            // The events themselves do not matter: intake lists the directory. Drain and ring once.
            let count = buffer.withUnsafeMutableBytes { read(inotifyFD, $0.baseAddress, $0.count) }
            if count < 0, errno != EINTR, errno != EAGAIN { return }
            doorbell.ring()
        }
    }
}
