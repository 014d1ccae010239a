import CCurl
import Foundation
import Synchronization

/// The process's one libcurl multi handle, driven by a thread of its own with `curl_multi_poll`, so the connection
/// pool, DNS cache and TLS session cache are shared by every transfer (PROTOCOLS §0.2). Async callers hand in a
/// batch of transfers (HTTP or SMTP) and are resumed when libcurl reports the last one done. Not a general event
/// loop: libcurl transfers only.
///
/// `@unchecked Sendable` is sound because the mutable state is split in two: `inbox` is guarded by a `Mutex`, and
/// `multi`/`active` are touched only by the loop thread (after `init`, which runs before the thread starts).
final class CurlMultiLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [any CurlJob] = []
        var cancelled: [ObjectIdentifier] = []
    }

    /// An idle easy handle. Sendable because a handle in the pool belongs to no transfer and no thread.
    private struct IdleHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// The process's loop; HTTP and SMTP clients share it, and so its connection pool.
    static let shared = CurlMultiLoop()

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Reset easy handles kept for reuse: creating one per request costs its 16 KiB receive buffer and more in
    /// malloc churn, which showed up as a tenth of the daemon's CPU in profiles.
    private let pool = Mutex<[IdleHandle]>([])
    private static let poolLimit = 512
    private var active: [UnsafeMutableRawPointer: any CurlJob] = [:]

    init() {
        curl_global_init(Int(CURL_GLOBAL_ALL))
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        _ = herald_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 256)
        let thread = Thread { [self] in run() }
        thread.name = "herald-curl"
        thread.start()
    }

    /// Runs `count` transfers concurrently and resumes the caller once, when all are done: one suspension per
    /// batch instead of one task per request. `make` configures transfer `index` on a pooled easy handle; when it
    /// cannot, it reports the failure to the group itself and returns nil, and the handle goes back to the pool.
    func perform<Value: Sendable>(
        count: Int, missing: Value,
        make: (_ index: Int, _ easy: UnsafeMutableRawPointer, _ group: CurlTransferGroup<Value>) -> (any CurlJob)?
    ) async -> [Value] {
        guard count > 0 else { return [] }
        let group = CurlTransferGroup(count: count, missing: missing)
        var jobs: [any CurlJob] = []
        for index in 0..<count {
            guard let easy = pool.withLock({ $0.popLast()?.pointer }) ?? curl_easy_init() else {
                group.finish(index, missing)
                continue
            }
            guard let job = make(index, easy, group) else {
                recycle(easy)
                continue
            }
            jobs.append(job)
        }
        let ids = jobs.map { ObjectIdentifier($0) }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if group.wait(continuation) { return }
                inbox.withLock { $0.added.append(contentsOf: jobs) }
                curl_multi_wakeup(multi)
            }
        } onCancel: {
            inbox.withLock { $0.cancelled.append(contentsOf: ids) }
            curl_multi_wakeup(multi)
        }
    }

    private func run() {
        while true {
            let (added, cancelled) = inbox.withLock { inbox in
                defer { inbox = Inbox() }
                return (inbox.added, inbox.cancelled)
            }
            for job in added {
                let code = curl_multi_add_handle(multi, job.easy)
                if code == CURLM_OK {
                    active[job.easy] = job
                } else {
                    job.abandon(TransportError(curlCode: 2, message: String(cString: curl_multi_strerror(code))))
                    recycle(job.easy)
                }
            }
            if !cancelled.isEmpty {
                let doomed = Set(cancelled)
                for job in active.values where doomed.contains(ObjectIdentifier(job)) {
                    curl_multi_remove_handle(multi, job.easy)
                    active[job.easy] = nil
                    job.abandon(TransportError(curlCode: 42, message: "cancelled"))
                    recycle(job.easy)
                }
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let job = active[easy]
                else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                active[easy] = nil
                job.finish(Int(code.rawValue))
                recycle(easy)
            }
            // With nothing to do, sleep until woken: an idle daemon must not spin.
            let timeout: Int32 = active.isEmpty ? 60_000 : 1_000
            _ = curl_multi_poll(multi, nil, 0, timeout, nil)
        }
    }

    private func recycle(_ easy: UnsafeMutableRawPointer) {
        curl_easy_reset(easy)
        let kept = pool.withLock { pool -> Bool in
            guard pool.count < Self.poolLimit else { return false }
            pool.append(IdleHandle(pointer: easy))
            return true
        }
        if !kept { curl_easy_cleanup(easy) }
    }
}
