import Foundation
import XCTest

@testable import HeraldCore

/// A notify listener that stopped reading fills its queue; the daemon then drops STATUS lines instead of waiting
/// on it (a blocked sendto once held a whole daemon's shutdown), and says so by returning false.
final class SystemdNotifyTests: XCTestCase {
    func testAFullListenerQueueDropsStatusLinesInsteadOfBlocking() throws {
        let path = NSTemporaryDirectory() + "herald-notify-\(UUID().uuidString).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer {
            close(fd)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        let notify = SystemdNotify(socketPath: path)
        var accepted = 0
        var refused = 0
        // Nobody reads: the queue (at most net.unix.max_dgram_qlen datagrams, 512 by default) fills.
        for n in 0..<5_000 {
            if notify.send("STATUS=line \(n)") { accepted += 1 } else { refused += 1 }
        }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertGreaterThan(refused, 0, "every send was taken: the queue never filled, so nothing was tested")
        var buffer = [UInt8](repeating: 0, count: 64)
        let read = recv(fd, &buffer, buffer.count, 0)
        XCTAssertEqual(String(decoding: buffer.prefix(max(0, read)), as: UTF8.self), "STATUS=line 0")
    }
}
