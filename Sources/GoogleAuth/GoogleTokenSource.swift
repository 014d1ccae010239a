import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// What sends HTTP requests for the token source: the shared client, or a fake in tests.
public typealias GoogleSender = HTTPSender

/// The OAuth 2.0 access token a Google API request carries (PROTOCOLS §3.2, §6.3), for one `scope` (FCM's
/// firebase.messaging, the Data Manager's datamanager): mints an RS256 assertion from the service account, exchanges
/// it at the token URL, caches the token until 5 minutes before it expires, and refreshes it single-flight (callers
/// arriving during a refresh wait for that one request). It does not retry a failed exchange: the failure is
/// returned to every waiting caller as the outcome their deliveries get, and the core retries them. `invalidate`
/// and `confirm` carry Google's UNAUTHENTICATED rule: refresh once, then believe it.
public actor GoogleTokenSource {
    public static let lifetimeSeconds: Int64 = 3600
    static let refreshMarginMillis: Int64 = 5 * 60 * 1000

    /// A cached token and when to stop using it.
    private struct Cached {
        var value: String
        var refreshAt: Int64
        /// Minted to replace a token the API refused, and not yet accepted by it: a second refusal is not the clock.
        var replacesRejected: Bool
    }

    /// What `invalidate` made of an UNAUTHENTICATED answer.
    public enum Rejection: Sendable, Equatable {
        /// The token is dropped (or already was); the next caller mints a new one: retry at once.
        case refresh
        /// The token was itself fresh after a refusal: the credentials are wrong, not the token's age.
        case credentialsInvalid
    }

    private let account: GoogleServiceAccount
    /// The OAuth scope the assertion asks for.
    public nonisolated let scope: String
    public nonisolated let tokenURL: String
    private let template: HTTPRequest
    private let clock: @Sendable () -> Int64
    private let send: GoogleSender

    private var cached: Cached?
    /// Set when a refused token was dropped: the next token minted replaces a rejected one.
    private var afterRejection = false
    /// Callers waiting for the refresh in flight; nil when none is.
    private var waiters: [CheckedContinuation<Result<String, GoogleTokenFailure>, Never>]?
    /// Token requests sent, for tests and logs.
    public private(set) var refreshes = 0

    public init(
        scope: String, account: GoogleServiceAccount, tokenURL: String? = nil, caFile: String? = nil,
        timeout: Duration = .seconds(15),
        connectTimeout: Duration = .seconds(5), clock: @escaping @Sendable () -> Int64 = { Clock.nowMillis() },
        send: @escaping GoogleSender = { await HTTPClient.shared.send($0) }
    ) {
        self.scope = scope
        self.account = account
        self.tokenURL = tokenURL ?? account.tokenURI
        template = HTTPRequest(
            url: self.tokenURL,
            headers: ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json"],
            timeout: timeout, connectTimeout: connectTimeout, caFile: caFile, captureHeaders: [])
        self.clock = clock
        self.send = send
    }

    /// A valid access token, from the cache or from one token request shared by every caller that needs it now.
    public func token() async -> Result<String, GoogleTokenFailure> {
        if let cached, clock() < cached.refreshAt { return .success(cached.value) }
        if waiters != nil {
            return await withCheckedContinuation { waiters?.append($0) }
        }
        waiters = []
        let result = await refresh()
        let waiting = waiters ?? []
        waiters = nil
        for waiter in waiting { waiter.resume(returning: result) }
        return result
    }

    /// The API answered UNAUTHENTICATED to `token`. Drops it if it is still the cached one, so only the first of many
    /// refusals makes a new token; says whether to retry or to believe the refusal.
    public func invalidate(_ token: String) -> Rejection {
        guard let current = cached, current.value == token else { return .refresh }
        cached = nil
        if current.replacesRejected { return .credentialsInvalid }
        afterRejection = true
        return .refresh
    }

    /// The API accepted a request made with `token` (answered anything but UNAUTHENTICATED): it is a good token.
    public func confirm(_ token: String) {
        guard cached?.value == token else { return }
        cached?.replacesRejected = false
        afterRejection = false
    }

    private func refresh() async -> Result<String, GoogleTokenFailure> {
        refreshes += 1
        let now = clock()
        var request = template
        request.body = Array(
            ("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion(nowMillis: now))
                .utf8)
        let answer = await send([request]).first ?? .failure(TransportError(curlCode: 42, message: "not run"))
        switch GoogleTokenResponse.parse(answer) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let (value, expiresIn)):
            let lifetime = expiresIn * 1000
            // A token shorter-lived than twice the margin is used for half its life rather than not cached at all.
            let margin = min(Self.refreshMarginMillis, lifetime / 2)
            cached = Cached(value: value, refreshAt: now + lifetime - margin, replacesRejected: afterRejection)
            return .success(value)
        }
    }

    /// The signed JWT: `{"alg":"RS256","typ":"JWT","kid":…}` over iss, scope, aud, iat, exp (now + 1 hour).
    public func assertion(nowMillis: Int64) -> String {
        var header = JSONWriter(reservingCapacity: 96)
        header.object([
            ("alg", .string("RS256")), ("typ", .string("JWT")), ("kid", account.privateKeyID.map(JSONValue.string)),
        ])
        let iat = nowMillis / 1000
        var claims = JSONWriter(reservingCapacity: 256)
        claims.object([
            ("iss", .string(account.clientEmail)), ("scope", .string(scope)), ("aud", .string(tokenURL)),
            ("iat", .int(iat)), ("exp", .int(iat + Self.lifetimeSeconds)),
        ])
        return JWT.sign(headerJSON: header.bytes, claimsJSON: claims.bytes, signer: account.key)
    }
}

/// Why no access token could be had, as the outcome every delivery waiting for it gets.
public enum GoogleTokenFailure: Error, Sendable, Equatable {
    /// The token endpoint refused the assertion (invalid_grant: bad key, deleted key, clock skew) or the URL.
    case credentialsInvalid(Reply)
    /// The token endpoint was unreachable or failing: try again later.
    case transient(Reply, retryAfter: Duration?)

    public var outcome: Outcome {
        switch self {
        case .credentialsInvalid(let reply): .credentialsInvalid(reply: reply)
        case .transient(let reply, let retryAfter): .transient(reply: reply, retryAfter: retryAfter)
        }
    }
}
