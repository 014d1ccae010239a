import GoogleAuth
import HeraldPluginAPI
import HeraldTransport

/// The google provider's side of a plugin call: one access token for all of the call's requests, sent at once,
/// each answer classified. An UNAUTHENTICATED answer drops the token and reports transient with no delay, so the
/// core's retry gets a fresh one; refused again right after a refresh, it reports credentials invalid (as FCM does).
/// It never retries or waits itself.
struct GoogleAudience: Sendable {
    /// The Data Manager API's OAuth scope (PROTOCOLS §6.3).
    static let scope = "https://www.googleapis.com/auth/datamanager"

    let tokens: GoogleTokenSource
    let google: AudienceConfig.Google
    let config: AudienceConfig
    let send: GoogleSender

    init(config: AudienceConfig, google: AudienceConfig.Google, send: @escaping GoogleSender) {
        tokens = GoogleTokenSource(
            scope: Self.scope, account: google.account, tokenURL: google.tokenURL, caFile: config.caFile,
            timeout: config.timeout, connectTimeout: config.connectTimeout, send: send)
        self.google = google
        self.config = config
        self.send = send
    }

    /// One outcome list per chunk, in order.
    func deliver(_ chunks: [AudienceChunk]) async -> [[Outcome]] {
        guard !chunks.isEmpty else { return [] }
        let accessToken: String
        switch await tokens.token() {
        case .success(let token): accessToken = token
        case .failure(let failure): return chunks.map { chunk in chunk.members.map { _ in failure.outcome } }
        }
        let requests = chunks.map { chunk in
            GoogleRequest.request(
                body: GoogleRequest.body(chunk.members, audienceID: chunk.audienceID, action: chunk.action, google: google),
                action: chunk.action, accessToken: accessToken, config: config)
        }
        let answers = await send(requests)
        var rejection: GoogleTokenSource.Rejection?
        var confirmed = false
        var out: [[Outcome]] = []
        for (index, chunk) in chunks.enumerated() {
            let answer = index < answers.count ? answers[index] : .failure(TransportError(curlCode: 42, message: "not run"))
            switch GoogleClassifier.classify(answer, members: chunk.members) {
            case .outcomes(let outcomes):
                // Any answer Google itself gave (not a proxy's 5xx) means it took the token.
                if case .success(let response) = answer, response.status < 500, !confirmed {
                    confirmed = true
                    await tokens.confirm(accessToken)
                }
                out.append(outcomes)
            case .unauthenticated(let reply):
                let verdict: GoogleTokenSource.Rejection
                if let rejection {
                    verdict = rejection
                } else {
                    verdict = await tokens.invalidate(accessToken)
                    rejection = verdict
                }
                let outcome = Self.unauthenticated(reply, verdict)
                out.append(chunk.members.map { _ in outcome })
            }
        }
        return out
    }

    private static func unauthenticated(_ reply: Reply, _ rejection: GoogleTokenSource.Rejection) -> Outcome {
        switch rejection {
        case .refresh:
            let text = reply.text + " (access token refused: a new one is fetched for the retry)"
            return .transient(reply: Reply(code: reply.code, text: text), retryAfter: .zero)
        case .credentialsInvalid:
            let text = reply.text + " (refused again with a fresh access token: check the service account's access to the account)"
            return .credentialsInvalid(reply: Reply(code: reply.code, text: text))
        }
    }
}
