import Foundation
import HeraldPluginAPI
import Synchronization
import XCTest

@testable import HeraldCore

/// Reading a spool file relative to the open `incoming/` directory: what is refused, and why.
final class SpoolFileTests: XCTestCase {
    var directory = ""
    var fd: Int32 = -1

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "herald-spoolfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
    }

    override func tearDown() {
        close(fd)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func read(_ name: String, maxSize: Int = 1000, groups: Set<gid_t>? = nil) throws(IntakeError) -> [UInt8] {
        try SpoolFile.read(name: name, in: fd, maxSize: maxSize, allowedGroups: groups)
    }

    private func code(_ name: String, maxSize: Int = 1000, groups: Set<gid_t>? = nil) -> IntakeError.Code? {
        do throws(IntakeError) {
            _ = try read(name, maxSize: maxSize, groups: groups)
            return nil
        } catch {
            return error.code
        }
    }

    func testReadsRegularFiles() throws {
        _ = FileManager.default.createFile(atPath: directory + "/a.json", contents: Data("{\"x\":1}".utf8))
        _ = FileManager.default.createFile(atPath: directory + "/empty.json", contents: Data())
        XCTAssertEqual(try read("a.json"), Array("{\"x\":1}".utf8))
        XCTAssertEqual(try read("empty.json"), [])
    }

    func testRefusals() throws {
        _ = FileManager.default.createFile(atPath: directory + "/big.json", contents: Data(count: 1001))
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/link.json", withDestinationPath: directory + "/big.json")
        XCTAssertEqual(mkfifo(directory + "/fifo.json", 0o600), 0)
        try FileManager.default.createDirectory(atPath: directory + "/dir.json", withIntermediateDirectories: false)
        XCTAssertEqual(code("big.json"), .tooLarge)
        XCTAssertNil(code("big.json", maxSize: 1001))
        XCTAssertEqual(code("link.json"), .notRegularFile)
        XCTAssertEqual(code("fifo.json"), .notRegularFile)
        XCTAssertEqual(code("dir.json"), .notRegularFile)
        XCTAssertEqual(code("missing.json"), .unreadable)
        XCTAssertEqual(code("big.json", maxSize: 2000, groups: [getegid() &+ 1]), .notPermitted)
        XCTAssertNil(code("big.json", maxSize: 2000, groups: [getegid()]))
    }

    func testListingSkipsDotFilesAndNonJSON() {
        for name in ["b.json", "a.json", ".hidden.json", "c.json.tmp", "d.txt"] {
            _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("{}".utf8))
        }
        XCTAssertEqual(SpoolFile.list(directory: directory), ["a.json", "b.json"])
    }

    /// Results are moved out of the shared buffer: each one is released exactly once, none leaks.
    func testParallelMapNeitherLeaksNorOverReleases() {
        do {
            let results = ParallelMap.map(Array(0..<1000)) { Tracked($0) }
            XCTAssertEqual(results.map(\.value), Array(0..<1000))
            XCTAssertEqual(Tracked.live.withLock { $0 }, 1000)
        }
        XCTAssertEqual(Tracked.live.withLock { $0 }, 0)
    }
}

/// Counts its live instances.
private final class Tracked: Sendable {
    static let live = Mutex(0)
    let value: Int

    init(_ value: Int) {
        self.value = value
        Self.live.withLock { $0 += 1 }
    }

    deinit { Self.live.withLock { $0 -= 1 } }
}
