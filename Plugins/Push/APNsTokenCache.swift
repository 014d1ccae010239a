import HeraldCrypto
import HeraldPluginAPI
import Synchronization

/// The channel's APNs provider token: one ES256 JWT (`kid`, `iss` = team, `iat`) shared by every request and
/// connection, renewed when it is 50 minutes old. Apple refuses a token older than an hour and answers
/// `429 TooManyProviderTokenUpdates` to one renewed more often than every 20 minutes (APNSwift signed one per
/// request and hit exactly that), so a token is never renewed younger than 20 minutes, not even after an
/// `ExpiredProviderToken` answer: then the delivery is retried with the token it has until 20 minutes have passed.
final class APNsTokenCache: Sendable {
    static let renewAge: Int64 = 50 * 60_000
    static let minimumAge: Int64 = 20 * 60_000

    struct Token: Sendable, Equatable {
        var header: String
        /// When it was signed (ms).
        var issuedAt: Int64
    }

    private let key: P256SigningKey
    private let teamID: String
    private let keyID: String
    private let clock: @Sendable () -> Int64
    private let current = Mutex<Token?>(nil)

    init(key: P256SigningKey, teamID: String, keyID: String, clock: @escaping @Sendable () -> Int64 = { Clock.nowMillis() }) {
        self.key = key
        self.teamID = teamID
        self.keyID = keyID
        self.clock = clock
    }

    /// `bearer <JWT>` for the next requests.
    func authorization() -> Token {
        let now = clock()
        return current.withLock { token in
            if let token, now - token.issuedAt < Self.renewAge, now >= token.issuedAt { return token }
            let fresh = sign(now: now)
            token = fresh
            return fresh
        }
    }

    /// APNs said `token` expired: the next caller gets a new one, if `token` is still current and old enough
    /// to be replaced; returns whether it will be.
    @discardableResult
    func expired(_ token: Token) -> Bool {
        let now = clock()
        return current.withLock { current in
            guard current == token, now - token.issuedAt >= Self.minimumAge else { return false }
            current = nil
            return true
        }
    }

    private func sign(now: Int64) -> Token {
        var header = JSONWriter(reservingCapacity: 40)
        header.object([("alg", .string("ES256")), ("kid", .string(keyID))])
        var claims = JSONWriter(reservingCapacity: 40)
        claims.object([("iss", .string(teamID)), ("iat", .int(now / 1000))])
        let jwt = JWT.sign(headerJSON: header.bytes, claimsJSON: claims.bytes, signer: key)
        return Token(header: "authorization: bearer " + jwt, issuedAt: now)
    }
}
