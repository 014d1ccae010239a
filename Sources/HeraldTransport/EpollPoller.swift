import CEpoll
import Glibc

/// A level-triggered epoll set plus an eventfd to interrupt a wait: what the libcurl loop thread sleeps on. It
/// watches exactly the sockets libcurl asks for, so a wake-up touches only the transfers that have work, unlike
/// `curl_multi_poll`, after which every transfer is visited (a non-blocking poll per SMTP transfer per wake-up).
/// Used by the loop thread only; other threads interrupt it through `EpollPoller.wake(fd:)` with `wakeFD`, never
/// through the poller itself (which the loop thread may be inside, blocked in `epoll_wait`).
struct EpollPoller: ~Copyable {
    struct Event {
        var fd: Int32
        var readable: Bool
        var writable: Bool
        var failed: Bool
    }

    private let epoll: Int32
    let wakeFD: Int32
    private var watched: Set<Int32> = []
    private var buffer = [epoll_event](repeating: epoll_event(), count: 256)

    init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        // Without either the daemon cannot send anything; both only fail when the process is out of descriptors.
        precondition(epoll >= 0 && wakeFD >= 0, "epoll_create1 or eventfd failed: errno \(errno)")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        _ = epoll_ctl(epoll, EPOLL_CTL_ADD, wakeFD, &event)
    }

    deinit {
        close(epoll)
        close(wakeFD)
    }

    /// Interrupts `wait` from any thread.
    static func wake(fd: Int32) {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    /// Watches `fd` for reading and/or writing, or stops watching it when both are false.
    mutating func watch(_ fd: Int32, read: Bool, write: Bool) {
        guard read || write else {
            if watched.remove(fd) != nil { _ = epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil) }
            return
        }
        var event = epoll_event()
        event.events = (read ? EPOLLIN.rawValue : 0) | (write ? EPOLLOUT.rawValue : 0)
        event.data.fd = fd
        // libcurl may close a socket without saying REMOVE first and get the same number for a new one: so MOD
        // falls back to ADD and ADD to MOD, whatever our set believes.
        let first: Int32 = watched.contains(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD
        if epoll_ctl(epoll, first, fd, &event) != 0 {
            _ = epoll_ctl(epoll, first == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event)
        }
        watched.insert(fd)
    }

    /// Sleeps up to `timeout` milliseconds (-1: until something happens); returns the socket events, not the
    /// wake-ups (which are drained here).
    mutating func wait(timeout: Int32) -> [Event] {
        let count = buffer.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), timeout) }
        guard count > 0 else { return [] }
        var events: [Event] = []
        events.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            let event = buffer[index]
            if event.data.fd == wakeFD {
                var value: UInt64 = 0
                _ = read(wakeFD, &value, 8)
                continue
            }
            events.append(
                Event(
                    fd: event.data.fd, readable: event.events & EPOLLIN.rawValue != 0,
                    writable: event.events & EPOLLOUT.rawValue != 0,
                    failed: event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0))
        }
        return events
    }
}
