import CCurl
import Foundation
import Synchronization

/// The process's one libcurl multi handle, driven by a thread of its own with `curl_multi_poll`, so the connection
/// pool, DNS cache and TLS session cache are shared by every transfer (PROTOCOLS §0.2). Async callers hand in a
/// transfer and are resumed when libcurl reports it done. Not a general event loop: libcurl transfers only.
///
/// `@unchecked Sendable` is sound because the mutable state is split in two: `inbox` is guarded by a `Mutex`, and
/// `multi`/`active` are touched only by the loop thread (after `init`, which runs before the thread starts).
final class CurlMultiLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        var cancelled: [ObjectIdentifier] = []
    }

    /// An idle easy handle. Sendable because a handle in the pool belongs to no transfer and no thread.
    private struct IdleHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Reset easy handles kept for reuse: creating one per request costs its 16 KiB receive buffer and more in
    /// malloc churn, which showed up as a tenth of the daemon's CPU in profiles.
    private let pool = Mutex<[IdleHandle]>([])
    private static let poolLimit = 512
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init() {
        curl_global_init(Int(CURL_GLOBAL_ALL))
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        _ = herald_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 256)
        let thread = Thread { [self] in run() }
        thread.name = "herald-curl"
        thread.start()
    }

    /// Runs the requests concurrently and resumes the caller once, when all are done: one suspension per batch
    /// instead of one task per request.
    func perform(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, TransportError>] {
        guard !requests.isEmpty else { return [] }
        let group = CurlTransferGroup(count: requests.count)
        var transfers: [CurlTransfer] = []
        for (index, request) in requests.enumerated() {
            guard let easy = pool.withLock({ $0.popLast()?.pointer }) ?? curl_easy_init() else {
                group.finish(index, .failure(TransportError(curlCode: 27, message: "curl_easy_init failed: out of memory")))
                continue
            }
            let transfer = CurlTransfer(easy: easy, request)
            if let error = transfer.configure(request) {
                recycle(easy)
                group.finish(index, .failure(error))
                continue
            }
            transfer.group = group
            transfer.index = index
            transfers.append(transfer)
        }
        let ids = transfers.map(ObjectIdentifier.init)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if group.wait(continuation) { return }
                inbox.withLock { $0.added.append(contentsOf: transfers) }
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
            for transfer in added {
                let code = curl_multi_add_handle(multi, transfer.easy)
                if code == CURLM_OK {
                    active[transfer.easy] = transfer
                } else {
                    let message = String(cString: curl_multi_strerror(code))
                    recycle(transfer.easy)
                    transfer.group?.finish(transfer.index, .failure(TransportError(curlCode: 2, message: message)))
                }
            }
            if !cancelled.isEmpty {
                let doomed = Set(cancelled)
                for transfer in active.values where doomed.contains(ObjectIdentifier(transfer)) {
                    complete(transfer, .failure(TransportError(curlCode: 42, message: "cancelled")))
                }
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = active[easy]
                else { continue }
                complete(transfer, transfer.finish(message.pointee.data.result))
            }
            // With nothing to do, sleep until woken: an idle daemon must not spin.
            let timeout: Int32 = active.isEmpty ? 60_000 : 1_000
            _ = curl_multi_poll(multi, nil, 0, timeout, nil)
        }
    }

    private func complete(_ transfer: CurlTransfer, _ result: Result<HTTPResponse, TransportError>) {
        curl_multi_remove_handle(multi, transfer.easy)
        active[transfer.easy] = nil
        recycle(transfer.easy)
        transfer.group?.finish(transfer.index, result)
        transfer.group = nil
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
