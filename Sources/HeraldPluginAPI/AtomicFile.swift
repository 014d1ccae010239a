#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a whole file or nothing: a temporary dot-file in the same directory, optionally fsync'd, then
/// `rename(2)`. Readers (producers' tools, operators, the file channel's consumers) never see half a file.
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
    }
}
