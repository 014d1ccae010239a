import HeraldPluginAPI
import HeraldTransport

/// `herald check --probe` for a push channel, one result per configured service, delivering nothing:
///
/// | service  | what is tried | ok when |
/// |----------|---------------|---------|
/// | APNs     | a request with the real provider token to an all-zero device token | APNs answers about the device (400 BadDeviceToken, 410; 200): the connection, TLS and the token were accepted |
/// | FCM      | the service account's assertion exchanged for an access token | the token endpoint issues one |
/// | Web Push | nothing: each subscription names its own push service | (not probed; the VAPID key has loaded) |
enum PushProbe {
    static func apns(_ provider: APNsProvider) async -> ProbeResult {
        let target = "apns \(provider.settings.url) topic \(provider.settings.topic)"
        let request = HTTPRequest(
            url: provider.settings.url + "/3/device/" + String(repeating: "0", count: 64),
            headers: [
                provider.tokens.authorization().header, "apns-topic: \(provider.settings.topic)",
                "apns-push-type: alert", "apns-priority: 10", "content-type: application/json",
            ], body: Array(#"{"aps":{"alert":"probe"}}"#.utf8), timeout: provider.timeout,
            connectTimeout: provider.connectTimeout, caFile: provider.settings.caFile)
        switch (await provider.send([request]))[0] {
        case .failure(let error):
            return .failed(target, ProbeResult.Step(rawValue: error.layer.rawValue) ?? .reply, error.description)
        case .success(let response):
            let reason = APNsClassifier.reason(response.body) ?? ""
            switch response.status {
            case 200, 400, 410:
                return .ok(target, "provider token accepted (\(response.status) \(reason) for a dummy device)")
            case 403: return .failed(target, .auth, "403 \(reason)")
            default: return .failed(target, .reply, "\(response.status) \(reason)")
            }
        }
    }

    static func fcm(_ provider: FCMProvider) async -> ProbeResult {
        let target = "fcm \(provider.tokens.tokenURL)"
        switch await provider.tokens.token() {
        case .success: return .ok(target, "access token issued for project \(provider.builder.projectID)")
        case .failure(.credentialsInvalid(let reply)): return .failed(target, .auth, reply.description)
        case .failure(.transient(let reply, _)):
            let step: ProbeResult.Step = reply.code.hasPrefix("curl:") ? .connect : .reply
            return .failed(target, step, reply.description)
        }
    }

    static func webpush() -> ProbeResult {
        ProbeResult(
            target: "webpush", status: .notProbed,
            reason: "each subscription names its own push service; the VAPID key loaded")
    }
}
