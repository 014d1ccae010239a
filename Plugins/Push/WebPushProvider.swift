import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// The Web Push provider (platform `web`): builds every subscription's request of a batch, sends them together
/// (one multi handle, HTTP/2 where the service offers it) and classifies each answer, one `DeviceResult` per item
/// in order. Devices refused before sending (origin, payload size, keys) are never handed to the sender. Never
/// retries or sleeps: the core does.
struct WebPushProvider: PushProvider {

    var platform: String { "web" }
    let request: WebPushRequest
    private let now: @Sendable () -> Int64
    private let sender: PushSender

    /// Loads the VAPID key from `settings.vapidKeyFile`; throws its `CryptoError` (code, the file, what a good key
    /// looks like) when the file cannot be read or is not an unencrypted P-256 private key.
    init(
        settings: WebPushSettings, timeout: Duration, connectTimeout: Duration,
        now: @escaping @Sendable () -> Int64 = Clock.nowMillis,
        sender: @escaping PushSender = HTTPClient.sharedSender
    ) throws(CryptoError) {
        let vapid = try WebPushVAPID(
            keyFile: settings.vapidKeyFile, subject: settings.vapidSubject, now: now)
        self.init(
            request: WebPushRequest(
                settings: settings, vapid: vapid, timeout: timeout, connectTimeout: connectTimeout),
            now: now, sender: sender)
    }

    /// With the channel's timeouts.
    init(
        settings: WebPushSettings, config: PushConfig,
        now: @escaping @Sendable () -> Int64 = Clock.nowMillis,
        sender: @escaping PushSender = HTTPClient.sharedSender
    ) throws(CryptoError) {
        try self.init(
            settings: settings, timeout: config.timeout, connectTimeout: config.connectTimeout, now: now,
            sender: sender)
    }

    init(request: WebPushRequest, now: @escaping @Sendable () -> Int64, sender: @escaping PushSender) {
        self.request = request
        self.now = now
        self.sender = sender
    }

    func send(_ items: [PushItem]) async -> [DeviceResult] {
        var results = [DeviceResult?](repeating: nil, count: items.count)
        var requests: [HTTPRequest] = []
        var sent: [Int] = []
        let time = now()
        for (index, item) in items.enumerated() {
            do throws(WebPushRequest.Refusal) {
                requests.append(try request.build(item, now: time))
                sent.append(index)
            } catch {
                results[index] = error.result
            }
        }
        let responses = requests.isEmpty ? [] : await sender(requests)
        for (slot, index) in sent.enumerated() where slot < responses.count {
            results[index] = WebPushClassifier.classify(responses[slot])
        }
        return results.map {
            $0 ?? .failed(.transient(reply: Reply(code: "cancelled", text: "not sent"), retryAfter: nil))
        }
    }
}
