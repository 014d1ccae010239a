import Foundation
import HeraldPluginAPI

/// Reads one spool file safely: never follows a symlink, never blocks on a FIFO, never reads past the size cap,
/// and refuses files from outside the submit group. What it refuses becomes an `IntakeError`.
public enum SpoolFile {
    /// Reads `name` in the directory open as `directory`: opening relative to it spares building a path and
    /// walking it in the kernel, once per file.
    public static func read(
        name: String, in directory: Int32, maxSize: Int, allowedGroups: Set<gid_t>?
    ) throws(IntakeError) -> [UInt8] {
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP {
                throw IntakeError(.notRegularFile, field: nil, "is a symbolic link; rename a regular file in instead")
            }
            throw IntakeError(.unreadable, field: nil, "cannot open: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw IntakeError(.unreadable, field: nil, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw IntakeError(.notRegularFile, field: nil, "is not a regular file (a FIFO, device or directory)")
        }
        if let allowedGroups, !allowedGroups.contains(info.st_gid) {
            throw IntakeError(.notPermitted, field: nil, "belongs to group \(info.st_gid), not the submit group")
        }
        let size = Int(info.st_size)
        guard size <= maxSize else {
            throw IntakeError(.tooLarge, field: nil, "is \(size) bytes; the limit is \(maxSize)")
        }
        // Read straight into the array's storage: no zero-filling first.
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let count = Glibc.read(fd, buffer.baseAddress! + initialized, size - initialized)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                initialized += count
            }
        }
        guard bytes.count == size else {
            throw IntakeError(.unreadable, field: nil, "changed size while being read; write it in tmp/ and rename it in")
        }
        return bytes
    }

    /// The names intake considers: `*.json`, no dot-files, no `*.tmp`.
    public static func list(directory: String) -> [String] {
        var names: [String] = []
        forEachBatch(directory: directory, size: .max) { names = $0; return true }
        return names.sorted()
    }

    /// Streams the directory in batches of at most `size` names, so a spool of a million files is never held in
    /// memory at once; `body` returns false to stop. A `*.json` name that is not valid UTF-8 cannot travel as a
    /// `String` (it would be repaired into a name that opens nothing): it goes to `undecodable` as its bytes.
    /// Returns false when the directory cannot be opened.
    @discardableResult
    public static func forEachBatch(
        directory: String, size: Int, undecodable: ([UInt8]) -> Void = { _ in }, _ body: ([String]) -> Bool
    ) -> Bool {
        guard let dir = opendir(directory) else { return false }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            // Judged in place: this runs for every file intake reads, and only a bad name needs its own copy.
            let name = withUnsafeBytes(of: entry.pointee.d_name) { buffer -> String? in
                let raw = buffer.prefix { $0 != 0 }
                guard isCandidate(raw) else { return nil }
                guard let name = String(validating: raw, as: UTF8.self) else {
                    undecodable(Array(raw))
                    return nil
                }
                return name
            }
            guard let name else { continue }
            names.append(name)
            if names.count >= size {
                if !body(names) { return true }
                names.removeAll(keepingCapacity: true)
            }
        }
        if !names.isEmpty { _ = body(names) }
        return true
    }

    /// `*.json`, not a dot-file, judged on the name's bytes.
    static func isCandidate(_ name: some Collection<UInt8>) -> Bool {
        name.count > 5 && name.first != UInt8(ascii: ".") && name.suffix(5).elementsEqual(".json".utf8)
    }

    /// Writes `bytes` to `directory/name` via a temporary file and rename, so readers never see half a file.
    public static func writeAtomically(_ bytes: [UInt8], directory: String, name: String, sync: Bool = false) throws(SpoolError) {
        do {
            try AtomicFile.write(bytes, directory: directory, name: name, sync: sync)
        } catch {
            throw .io(path: error.path, operation: error.operation, errno: error.errno)
        }
    }
}
