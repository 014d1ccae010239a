import GoogleAuth
import HeraldPluginAPI
import HeraldTransport

/// The `fcm` platform of a push channel: one Firebase project. For a batch of devices it gets one access token,
/// sends every request at once over the shared HTTP/2 pool and classifies each answer. An UNAUTHENTICATED answer
/// drops the token and reports transient with no delay, so the core's retry gets a fresh one; refused again right
/// after a refresh, it reports credentials invalid. It never retries or waits itself.
struct FCMProvider: PushProvider {
    let platform = "fcm"
    /// The OAuth scope FCM's HTTP v1 API takes (PROTOCOLS §3.2).
    static let scope = "https://www.googleapis.com/auth/firebase.messaging"
    let tokens: GoogleTokenSource
    let builder: FCMRequest
    private let clock: @Sendable () -> Int64
    private let send: PushSender

    /// Reads the service-account file named in `settings`; its errors name the file and the member
    /// (`/etc/herald/firebase.json: private_key is not an RSA PEM key (…)`).
    init(settings: FCMSettings, timeout: Duration, connectTimeout: Duration) throws(GoogleServiceAccountError) {
        let account = try GoogleServiceAccount(file: settings.serviceAccountFile)
        self.init(account: account, settings: settings, timeout: timeout, connectTimeout: connectTimeout)
    }

    /// With an account already read, and (for tests) another clock and sender.
    init(
        account: GoogleServiceAccount, settings: FCMSettings, timeout: Duration, connectTimeout: Duration,
        clock: @escaping @Sendable () -> Int64 = { Clock.nowMillis() },
        send: @escaping PushSender = HTTPClient.sharedSender
    ) {
        tokens = GoogleTokenSource(
            scope: Self.scope, account: account, tokenURL: settings.tokenURL, caFile: settings.caFile, timeout: timeout,
            connectTimeout: connectTimeout, clock: clock, send: send)
        builder = FCMRequest(
            url: settings.url, projectID: account.projectID, timeout: timeout, connectTimeout: connectTimeout,
            caFile: settings.caFile)
        self.clock = clock
        self.send = send
    }

    func send(_ items: [PushItem]) async -> [DeviceResult] {
        var results = [DeviceResult?](repeating: nil, count: items.count)
        var bodies: [(index: Int, body: [UInt8])] = []
        let now = clock()
        for (index, item) in items.enumerated() {
            guard item.device.token?.isEmpty == false else {
                results[index] = .failed(
                    .permanent(reply: Reply(code: "no_token", text: "an fcm device needs its token")))
                continue
            }
            switch builder.body(item, nowMillis: now) {
            case .ready(let body): bodies.append((index, body))
            case .refused(let outcome): results[index] = .failed(outcome)
            }
        }
        guard !bodies.isEmpty else { return results.map { $0! } }

        let accessToken: String
        switch await tokens.token() {
        case .success(let token): accessToken = token
        case .failure(let failure):
            for (index, _) in bodies { results[index] = .failed(failure.outcome) }
            return results.map { $0! }
        }
        let answers = await send(bodies.map { builder.request(body: $0.body, accessToken: accessToken) })
        var rejection: GoogleTokenSource.Rejection?
        var confirmed = false
        for ((index, _), answer) in zip(bodies, answers) {
            switch FCMClassifier.classify(answer) {
            case .result(let result):
                // Any answer FCM itself gave (not a proxy's 5xx) means it took the token.
                if case .success(let response) = answer, response.status < 500, !confirmed {
                    confirmed = true
                    await tokens.confirm(accessToken)
                }
                results[index] = result
            case .unauthenticated(let reply):
                if rejection == nil { rejection = await tokens.invalidate(accessToken) }
                results[index] = Self.unauthenticated(reply, rejection!)
            }
        }
        return results.map {
            $0 ?? .failed(.transient(reply: Reply(code: "curl:42", text: "not run"), retryAfter: nil))
        }
    }

    private static func unauthenticated(_ reply: Reply, _ rejection: GoogleTokenSource.Rejection) -> DeviceResult {
        switch rejection {
        case .refresh:
            let text = reply.text + " (access token refused: a new one is fetched for the retry)"
            return .failed(.transient(reply: Reply(code: reply.code, text: text), retryAfter: .zero))
        case .credentialsInvalid:
            let text = reply.text + " (refused again with a fresh access token: check the service account's roles)"
            return .failed(.credentialsInvalid(reply: Reply(code: reply.code, text: text)))
        }
    }
}
