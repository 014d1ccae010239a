import Foundation

/// sd_notify(3) without libsystemd: one datagram to `$NOTIFY_SOCKET` per state change (READY=1, STATUS=…,
/// WATCHDOG=1, STOPPING=1). A no-op when the variable is unset, as under `make run`. Never blocks the daemon on a
/// listener that stopped reading (its queue full): a STATUS line is dropped at once, any other state is tried
/// for up to a second, then dropped.
public struct SystemdNotify: Sendable {
    public let socketPath: String?

    public init(socketPath: String? = Environment.get("NOTIFY_SOCKET")) {
        self.socketPath = socketPath
    }

    /// Half of `$WATCHDOG_USEC`, the interval systemd expects pings at, when the watchdog is on.
    public static var watchdogInterval: Duration? {
        guard let text = Environment.get("WATCHDOG_USEC"), let usec = Int64(text), usec > 0 else { return nil }
        return .microseconds(usec / 2)
    }

    @discardableResult
    public func send(_ state: String) -> Bool {
        guard let socketPath, socketPath.hasPrefix("/") || socketPath.hasPrefix("@") else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        // A leading '@' names an abstract socket: its first byte is NUL on the wire.
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let payload = Array(state.utf8)
        let tries = state.hasPrefix("STATUS=") ? 1 : 100
        for _ in 0..<tries {
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    payload.withUnsafeBytes {
                        sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), socketAddress, length)
                    }
                }
            }
            if sent == payload.count { return true }
            guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK, tries > 1 else { return false }
            usleep(10_000)
        }
        return false
    }
}
