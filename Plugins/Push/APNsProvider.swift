import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport
import Synchronization

/// The channel's APNs app: every device of a batch is one request on the channel's own HTTP/2 pool (two channels
/// on one APNs host never share a connection: APNs refuses a second team's or key's token on one), all with
/// the one provider token (`APNsTokenCache`). Until a request has been answered on it, a connection carries one stream
/// only (Apple's rule for token auth), and libcurl would open a connection per waiting request. So a cold provider
/// sends one request alone — one for all the batches arriving at once — and the rest once it is answered; libcurl
/// then multiplexes them over the connection it has (`CURLOPT_PIPEWAIT`).
final class APNsProvider: PushProvider {
    let platform = "apns"
    let settings: APNsSettings
    let tokens: APNsTokenCache
    let timeout: Duration
    let connectTimeout: Duration
    let send: PushSender
    private let warm = Atomic<Bool>(false)
    /// The request a cold provider sends alone; every batch waits for its answer.
    private let warming = Mutex<Task<Result<HTTPResponse, TransportError>, Never>?>(nil)

    /// Reads the `.p8` key; its errors name the file and the problem.
    init(
        settings: APNsSettings, timeout: Duration, connectTimeout: Duration,
        clock: @escaping @Sendable () -> Int64 = { Clock.nowMillis() },
        send: PushSender? = nil
    ) throws(CryptoError) {
        self.settings = settings
        tokens = APNsTokenCache(
            key: try P256SigningKey(pemFile: settings.keyFile), teamID: settings.teamID, keyID: settings.keyID,
            clock: clock)
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        // A pool of its own: APNs takes one provider token's team and key per connection.
        let client = HTTPClient.dedicated(name: "herald-apns")
        self.send = send ?? { await client.send($0) }
    }

    func send(_ items: [PushItem]) async -> [DeviceResult] {
        let token = tokens.authorization()
        var results = [DeviceResult?](repeating: nil, count: items.count)
        var requests: [HTTPRequest] = []
        var positions: [Int] = []
        for (index, item) in items.enumerated() {
            do {
                requests.append(
                    try APNsRequest.build(
                        item, token: item.device.token ?? "", settings: settings, authorization: token.header,
                        timeout: timeout, connectTimeout: connectTimeout))
                positions.append(index)
            } catch {
                guard case .tooLarge(let size) = error else { continue }
                results[index] = .failed(
                    .permanent(reply: Reply(code: "payload_too_large", text: "APNs payload of \(size) bytes; the limit is \(APNsRequest.payloadLimit)")))
            }
        }
        var answers: [Result<HTTPResponse, TransportError>] = []
        if !warm.load(ordering: .relaxed), let first = requests.first {
            let (opener, mine) = warming.withLock { current in
                if let current { return (current, false) }
                let task = Task { [send] in (await send([first]))[0] }
                current = task
                return (task, true)
            }
            let opened = await opener.value
            if case .success(let answer) = opened, answer.status == 200 { warm.store(true, ordering: .relaxed) }
            warming.withLock { if !warm.load(ordering: .relaxed) { $0 = nil } }
            if mine {
                answers = [opened]
                requests.removeFirst()
            }
        }
        if !requests.isEmpty { answers += await send(requests) }
        for (index, answer) in zip(positions, answers) {
            switch APNsClassifier.classify(answer) {
            case .result(let result):
                if case .accepted = result { warm.store(true, ordering: .relaxed) }
                results[index] = result
            case .providerTokenExpired(let reply):
                tokens.expired(token)
                results[index] = .failed(.transient(reply: reply, retryAfter: .zero))
            }
        }
        return results.map { $0 ?? .failed(.transient(reply: Reply(code: "cancelled", text: "not sent"), retryAfter: nil)) }
    }
}
