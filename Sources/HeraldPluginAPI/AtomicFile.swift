#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a whole file or nothing: a temporary dot-file in the same directory, then `rename(2)`. Readers
/// (producers' tools, operators, the file channel's consumers) never see half a file. With `sync`, the file is
/// fsync'd before the rename and the directory after it, so the new name survives a power cut, not only a crash.
public enum AtomicFile {
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var errno: Int32

        public init(path: String, operation: String, errno: Int32) {
            self.path = path
            self.operation = operation
            self.errno = errno
        }

        public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    public static func write(_ bytes: [UInt8], directory: String, name: String, sync: Bool = false) throws(WriteError) {
        let final = directory + "/" + name
        let temporary = directory + "/." + name + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw WriteError(path: temporary, operation: "create", errno: errno) }
        func fail(_ operation: String) -> WriteError {
            let error = WriteError(path: temporary, operation: operation, errno: errno)
            close(fd)
            unlink(temporary)
            return error
        }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            offset += count
        }
        if sync, fsync(fd) != 0 { throw fail("fsync") }
        close(fd)
        guard rename(temporary, final) == 0 else {
            let error = WriteError(path: final, operation: "rename", errno: errno)
            unlink(temporary)
            throw error
        }
        if sync { try syncDirectory(directory) }
    }

    /// Makes the directory's entries (a rename, a new name) durable: without it a synced file can vanish at a
    /// power cut because its name was never written.
    public static func syncDirectory(_ directory: String) throws(WriteError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw WriteError(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw WriteError(path: directory, operation: "fsync directory", errno: errno) }
    }
}
