import Foundation

/// The spool's directories (DESIGN §3): producers write in `tmp/` and rename into `incoming/`; refused files go
/// to `rejected/`, dead letters to `failed/`.
public struct SpoolLayout: Sendable {
    public var root: String
    public var incoming: String { root + "/incoming" }
    public var tmp: String { root + "/tmp" }
    public var rejected: String { root + "/rejected" }
    public var failed: String { root + "/failed" }

    public init(root: String) {
        self.root = root
    }

    /// Creates what is missing. `incoming/` and `tmp/` are setgid and group-writable so the submit group can drop
    /// files; the rest stays the daemon's own.
    public func create() throws {
        let manager = FileManager.default
        for (path, mode) in [(root, 0o755), (incoming, 0o2770), (tmp, 0o2770), (rejected, 0o750), (failed, 0o750)] {
            if !manager.fileExists(atPath: path) {
                try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
                chmod(path, mode_t(mode))
            }
        }
    }
}
