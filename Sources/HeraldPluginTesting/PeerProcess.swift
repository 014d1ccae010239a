import Foundation

/// A test peer in its own process (one of `Tests/IntegrationTests/peers/*.py`): started with its arguments, its
/// port read from the first line it prints, stopped when this is released. For plugins' unit tests that must
/// reach a real server on loopback (the conformance kit's success case).
public final class PeerProcess: Sendable {
    public let port: Int
    private let process: Process

    /// `script` is a path under `Tests/IntegrationTests/peers/`, resolved from the calling test file's `#filePath`.
    public init(script: String, arguments: [String], testFile: String = #filePath) throws {
        var root = URL(fileURLWithPath: testFile)
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tests/IntegrationTests/peers/" + script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The peer prints its port once it listens; a peer that fails exits, and EOF ends the read.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line += byte
            if line.count > 16 { break }
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw PeerError(script: script, output: String(decoding: line, as: UTF8.self))
        }
        self.port = port
        self.process = process
    }

    deinit {
        // SIGKILL: aiosmtpd's controller thread outlives a SIGTERM until the peer's own lifetime ends.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public struct PeerError: Error, CustomStringConvertible {
        public var script: String
        public var output: String
        public var description: String { "\(script) did not print its port (printed \"\(output)\"): is python3 with its peers' packages installed (make test-deps)?" }
    }
}
