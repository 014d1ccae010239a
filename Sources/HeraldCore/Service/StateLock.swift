import Foundation

/// One `herald run` per state directory. Two daemons on one queue would claim each other's rows, and the policy
/// keeps the cap history of recipients in memory on the ground that it alone writes it. An `flock(2)` on
/// `STATE/run.lock`, held while the daemon runs: the kernel drops it when the process ends, so a crash leaves no
/// stale lock. The CLI's commands do not take it; they may run beside the daemon.
final class StateLock: Sendable {
    let path: String
    private let descriptor: Int32

    struct Held: Error, CustomStringConvertible {
        var path: String
        /// The holder's pid, as it wrote it in the file; nil when unreadable.
        var holder: String?

        var description: String {
            "another herald run holds \(path)" + (holder.map { " (pid \($0))" } ?? "")
                + "; one daemon per state directory"
        }
    }

    init(directory: String) throws {
        path = directory + "/run.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw HeraldService.StartError.setup("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw Held(path: path, holder: holder?.isEmpty == false ? holder : nil)
        }
        let pid = Array("\(getpid())\n".utf8)
        // The pid is only for the message a second daemon prints; failing to write it changes nothing else.
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    /// Lets the lock go before the process ends (the daemon calls it on its way out).
    func release() {
        close(descriptor)
    }
}
