import HeraldCrypto
import HeraldPluginAPI
import Synchronization

/// The VAPID signer (RFC 8292, PROTOCOLS §4.4): the channel's application-server key and the
/// `Authorization: vapid t=<JWT>, k=<public key>` value for each push service origin. A token lives 12 hours and is
/// reused until an hour before it expires, so push services can cache its validation; one token per origin, since
/// `aud` must be the origin of the endpoint. It signs nothing else and does not encrypt (`WebPushCipher` does).
final class WebPushVAPID: Sendable {
    /// `exp` is this far after the token is made; RFC 8292 allows at most 24 hours.
    static let lifetime: Int64 = 12 * 3_600_000
    /// A cached token is replaced once it is this close to `exp`, so no push service sees one about to lapse.
    static let renewal: Int64 = 3_600_000

    /// The key's uncompressed public point in unpadded base64url: `k=`, and the browser's `applicationServerKey`.
    let publicKey: String
    let subject: String
    private let key: P256SigningKey
    private let now: @Sendable () -> Int64
    private let tokens = Mutex<[String: Token]>([:])

    private struct Token {
        var header: String
        /// `exp`, in ms.
        var expires: Int64
    }

    /// Loads the VAPID private key (PEM, P-256); the error names the file and says what a good key looks like.
    convenience init(
        keyFile: String, subject: String, now: @escaping @Sendable () -> Int64 = Clock.nowMillis
    )
        throws(CryptoError)
    {
        self.init(key: try P256SigningKey(pemFile: keyFile), subject: subject, now: now)
    }

    init(key: P256SigningKey, subject: String, now: @escaping @Sendable () -> Int64 = Clock.nowMillis) {
        self.key = key
        self.subject = subject
        self.now = now
        publicKey = Base64.encode(key.publicKey, urlSafe: true, padded: false)
    }

    /// The `Authorization` header value for a push service origin (`https://host[:port]`, as
    /// `WebPushOrigins.origin(of:)` gives it).
    func authorization(origin: String) -> String {
        let time = now()
        return tokens.withLock { tokens in
            if let token = tokens[origin], time < token.expires - Self.renewal { return token.header }
            // Drop what has lapsed, so wildcard origins (`*.notify.windows.com`) cannot grow the cache for ever.
            tokens = tokens.filter { time < $0.value.expires - Self.renewal }
            let expires = time + Self.lifetime
            let header = "vapid t=" + jwt(origin: origin, expires: expires / 1000) + ", k=" + publicKey
            tokens[origin] = Token(header: header, expires: expires / 1000 * 1000)
            return header
        }
    }

    private func jwt(origin: String, expires seconds: Int64) -> String {
        var claims = JSONWriter(reservingCapacity: 160)
        claims.object([("aud", .string(origin)), ("exp", .int(seconds)), ("sub", .string(subject))])
        return JWT.sign(
            headerJSON: Array(#"{"typ":"JWT","alg":"ES256"}"#.utf8), claimsJSON: claims.bytes, signer: key
        )
    }
}
