import CCurl
import Foundation
import Synchronization

/// The process's one libcurl multi handle, driven by a thread of its own through libcurl's socket interface
/// (`curl_multi_socket_action` on an epoll set: only transfers with socket activity or a due timer run), so the connection
/// pool, DNS cache and TLS session cache are shared by every transfer (PROTOCOLS §0.2). Async callers hand in a
/// batch of transfers (HTTP or SMTP) and are resumed when libcurl reports the last one done. Not a general event
/// loop: libcurl transfers only.
///
/// `@unchecked Sendable` is sound because the mutable state is split in two: `inbox` and `pool` are guarded by a
/// `Mutex`, and `multi`, `active`, `poller` and `timerDeadline` are touched only by the loop thread (after `init`,
/// which runs before the thread starts; libcurl calls the socket and timer callbacks on the loop thread too).
/// Other threads only write to `wakeFD`.
final class CurlMultiLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [any CurlJob] = []
        var cancelled: [ObjectIdentifier] = []
    }

    /// An idle easy handle. Sendable because a handle in the pool belongs to no transfer and no thread.
    private struct IdleHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// The process's loop; HTTP and SMTP clients share it, and so its connection pool. A failure to set libcurl
    /// up is kept, not fatal: every transfer then fails with it, naming the call or option that was refused.
    static let shared = make()

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Reset easy handles kept for reuse: creating one per request costs its 16 KiB receive buffer and more in
    /// malloc churn, which showed up as a tenth of the daemon's CPU in profiles.
    private let pool = Mutex<[IdleHandle]>([])
    private static let poolLimit = 512
    private var active: [UnsafeMutableRawPointer: any CurlJob] = [:]
    /// The sockets libcurl watches for each transfer (its socket callback names the easy handle), touched on the
    /// loop's thread only, like `active`: a cancelled transfer's sockets are shut down before its handle is removed.
    private var sockets: [UnsafeMutableRawPointer: Set<Int32>] = [:]
    private var poller = EpollPoller()
    private let wakeFD: Int32
    /// When libcurl wants `CURL_SOCKET_TIMEOUT` next (its timer callback sets it); nil when it wants nothing.
    private var timerDeadline: ContinuousClock.Instant?

    /// A loop of its own (`HTTPClient.dedicated`): its own multi handle, thread and connection pool.
    static func make(name: String = "herald-curl") -> Result<CurlMultiLoop, CurlSetupError> {
        do throws(CurlSetupError) {
            return .success(try CurlMultiLoop(name: name))
        } catch {
            return .failure(error)
        }
    }

    init(name: String = "herald-curl") throws(CurlSetupError) {
        let global = curl_global_init(Int(CURL_GLOBAL_ALL))
        guard global == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(global))
            throw CurlSetupError(step: "curl_global_init", code: Int(global.rawValue), message: message)
        }
        guard let multi = curl_multi_init() else {
            throw CurlSetupError(step: "curl_multi_init", code: 0, message: "out of memory")
        }
        self.multi = multi
        wakeFD = poller.wakeFD
        let options = CurlMultiOptions(multi: multi)
        do {
            try options.set(CURLMOPT_MAX_HOST_CONNECTIONS, "CURLMOPT_MAX_HOST_CONNECTIONS", 256)
            // libcurl's default keeps four idle connections per transfer still added; a batch that just finished
            // has been removed, so between batches the pool would shrink to a few and every SMTP session would
            // start over (connect, greeting, EHLO, STARTTLS, AUTH). Keep up to this many idle connections instead.
            try options.set(CURLMOPT_MAXCONNECTS, "CURLMOPT_MAXCONNECTS", 1024)
            // HTTP/2 streams per connection: libcurl's default of 100 opens a new connection for every request
            // beyond it, and a burst of push requests then spreads over a hundred connections that carry one
            // each. APNs and FCM take about 1,000; the server's own SETTINGS still cap it lower.
            try options.set(CURLMOPT_MAX_CONCURRENT_STREAMS, "CURLMOPT_MAX_CONCURRENT_STREAMS", 1000)
            let me = Unmanaged.passUnretained(self).toOpaque()
            try options.set(socketCallback: curlSocketChanged)
            try options.set(CURLMOPT_SOCKETDATA, "CURLMOPT_SOCKETDATA", pointer: me)
            try options.set(timerCallback: curlTimerChanged)
            try options.set(CURLMOPT_TIMERDATA, "CURLMOPT_TIMERDATA", pointer: me)
        } catch {
            curl_multi_cleanup(multi)
            throw error
        }
        let thread = Thread { [self] in run() }
        thread.name = name
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
                EpollPoller.wake(fd: wakeFD)
            }
        } onCancel: {
            inbox.withLock { $0.cancelled.append(contentsOf: ids) }
            EpollPoller.wake(fd: wakeFD)
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
                    // Removing a transfer mid-session closes its connection, and for SMTP libcurl first sends QUIT
                    // and blocks this thread for the reply (up to two minutes from a peer that stopped answering).
                    // A shut-down socket makes that QUIT fail at once; libcurl still closes the descriptor itself.
                    // Only for SMTP: an HTTP/2 connection carries other transfers' streams too.
                    if Self.isSMTP(job.easy) {
                        for fd in sockets[job.easy] ?? [] { shutdown(fd, Int32(SHUT_RDWR)) }
                    }
                    sockets[job.easy] = nil
                    curl_multi_remove_handle(multi, job.easy)
                    active[job.easy] = nil
                    job.abandon(TransportError(curlCode: 42, message: "cancelled"))
                    recycle(job.easy)
                }
            }
            var running: Int32 = 0
            for event in poller.wait(timeout: waitMilliseconds()) {
                let flags = (event.readable ? CURL_CSELECT_IN : 0) | (event.writable ? CURL_CSELECT_OUT : 0)
                    | (event.failed ? CURL_CSELECT_ERR : 0)
                _ = curl_multi_socket_action(multi, event.fd, flags, &running)
            }
            if let deadline = timerDeadline, deadline <= .now {
                // Cleared first: libcurl sets the next deadline from inside this call.
                timerDeadline = nil
                _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
            }
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let job = active[easy]
                else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                active[easy] = nil
                sockets[easy] = nil
                job.finish(Int(code.rawValue))
                recycle(easy)
            }
        }
    }

    /// Until libcurl's timer is due; with no timer, a long sleep (an idle daemon must not spin) that new work or
    /// a socket event cuts short.
    private func waitMilliseconds() -> Int32 {
        guard let deadline = timerDeadline else { return 60_000 }
        let left = ContinuousClock.now.duration(to: deadline)
        return left <= .zero ? 0 : Int32(min(60_000, max(1, left.wholeMilliseconds)))
    }

    /// libcurl's socket callback: watch this socket for these events, or stop watching it.
    fileprivate func socketChanged(_ fd: Int32, what: Int32, easy: UnsafeMutableRawPointer?) {
        if let easy {
            if what == CURL_POLL_REMOVE {
                sockets[easy]?.remove(fd)
                if sockets[easy]?.isEmpty == true { sockets[easy] = nil }
            } else {
                sockets[easy, default: []].insert(fd)
            }
        }
        let read = what == CURL_POLL_IN || what == CURL_POLL_INOUT
        let write = what == CURL_POLL_OUT || what == CURL_POLL_INOUT
        poller.watch(fd, read: read, write: write)
    }

    /// Whether the transfer speaks SMTP (CURLINFO_SCHEME, "SMTP" or "SMTPS"; libcurl reports it in upper case).
    private static func isSMTP(_ easy: UnsafeMutableRawPointer) -> Bool {
        var scheme: UnsafeMutableRawPointer?
        guard herald_easy_getinfo_ptr(easy, CURLINFO_SCHEME, &scheme) == CURLE_OK, let scheme else { return false }
        return String(cString: scheme.assumingMemoryBound(to: CChar.self)).lowercased().hasPrefix("smtp")
    }

    /// libcurl's timer callback: -1 deletes the timer, 0 means as soon as possible.
    fileprivate func timerChanged(_ milliseconds: Int) {
        timerDeadline = milliseconds < 0 ? nil : ContinuousClock.now + .milliseconds(milliseconds)
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

private let curlSocketChanged: herald_curl_socket_cb = { easy, socket, what, userp, _ in
    guard let userp else { return 0 }
    Unmanaged<CurlMultiLoop>.fromOpaque(userp).takeUnretainedValue().socketChanged(socket, what: what, easy: easy)
    return 0
}

private let curlTimerChanged: herald_curl_timer_cb = { _, milliseconds, userp in
    guard let userp else { return 0 }
    Unmanaged<CurlMultiLoop>.fromOpaque(userp).takeUnretainedValue().timerChanged(milliseconds)
    return 0
}
