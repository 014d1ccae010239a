import CryptoTestSupport
import GoogleAuth
import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport
import Synchronization
import XCTest

@testable import PushPlugin

/// The OAuth access token: the RS256 assertion verifies and says the right things, the token is cached and renewed
/// five minutes before expiry, one request serves many callers, a refused token is renewed once, and the token
/// endpoint's failures become the right outcomes.
final class GoogleTokenSourceTests: XCTestCase {
    private func source(
        _ sender: FCMFakeSender, clock: FCMFakeClock = FCMFakeClock(), tokenURL: String? = nil
    ) throws -> GoogleTokenSource {
        GoogleTokenSource(
            scope: FCMProvider.scope, account: try FCMFixtures.account(), tokenURL: tokenURL, clock: clock.function, send: sender.function)
    }

    /// A sender answering token requests with ya29.1, ya29.2, … in turn.
    private func countingSender(expiresIn: Int = 3599) -> FCMFakeSender {
        let counter = FCMCounter()
        return FCMFakeSender { _ in .success(FCMFixtures.tokenAnswer("ya29.\(counter.next())", expiresIn: expiresIn)) }
    }

    func testTheAssertionVerifiesAndCarriesTheClaims() async throws {
        let clock = FCMFakeClock(1_800_000_000_500)
        let sender = countingSender()
        let tokens = try source(sender, clock: clock, tokenURL: "https://127.0.0.1:9443/token")
        _ = await tokens.token()
        let first = await sender.requests.first
        let request = try XCTUnwrap(first)
        XCTAssertEqual(request.url, "https://127.0.0.1:9443/token")
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.fcmHeader("Content-Type"), "application/x-www-form-urlencoded")
        let prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        XCTAssertTrue(request.fcmBodyText.hasPrefix(prefix), request.fcmBodyText)
        let jwt = String(request.fcmBodyText.dropFirst(prefix.count))
        let parts = jwt.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        XCTAssertTrue(
            Libcrypto.verifyRS256(
                signature: try XCTUnwrap(Base64.decode(parts[2])), message: Array((parts[0] + "." + parts[1]).utf8),
                privateKeyPEM: FCMFixtures.rsa2048))
        XCTAssertEqual(
            FCMFixtures.json(try XCTUnwrap(Base64.decode(parts[0]))),
            ["alg": .string("RS256"), "typ": .string("JWT"), "kid": .string("0123abcd")])
        XCTAssertEqual(
            FCMFixtures.json(try XCTUnwrap(Base64.decode(parts[1]))),
            [
                "iss": .string(FCMFixtures.clientEmail),
                "scope": .string("https://www.googleapis.com/auth/firebase.messaging"),
                "aud": .string("https://127.0.0.1:9443/token"), "iat": .int(1_800_000_000), "exp": .int(1_800_003_600),
            ])
        // base64url without padding: no character a form body would have to escape.
        XCTAssertFalse(jwt.contains { "+/=".contains($0) })
    }

    func testTheServiceAccountsTokenURIIsTheDefaultAudience() async throws {
        let sender = countingSender()
        _ = try await source(sender).token()
        fcmAssertEqual(await sender.requests.first?.url, "https://oauth2.googleapis.com/token")
    }

    func testTheTokenIsCachedUntilFiveMinutesBeforeExpiry() async throws {
        let clock = FCMFakeClock()
        let sender = countingSender(expiresIn: 3600)
        let tokens = try source(sender, clock: clock)
        fcmAssertEqual(await tokens.token(), .success("ya29.1"))
        clock.advance(seconds: 3600 - 300 - 1)
        fcmAssertEqual(await tokens.token(), .success("ya29.1"))
        fcmAssertEqual(await tokens.refreshes, 1)
        clock.advance(seconds: 1)
        fcmAssertEqual(await tokens.token(), .success("ya29.2"))
        fcmAssertEqual(await sender.requests.count, 2)
    }

    func testTwentyConcurrentCallersShareOneTokenRequest() async throws {
        let sender = countingSender()
        let tokens = try source(sender)
        let results = await withTaskGroup(of: Result<String, GoogleTokenFailure>.self) { group in
            for _ in 0..<20 { group.addTask { await tokens.token() } }
            var all: [Result<String, GoogleTokenFailure>] = []
            for await result in group { all.append(result) }
            return all
        }
        XCTAssertEqual(results.count, 20)
        XCTAssertTrue(results.allSatisfy { $0 == .success("ya29.1") }, "\(results)")
        fcmAssertEqual(await sender.requests.count, 1)
    }

    func testConcurrentCallersShareAFailureToo() async throws {
        let sender = FCMFakeSender { _ in .failure(TransportError(curlCode: 7, message: "Couldn't connect to server")) }
        let tokens = try source(sender)
        async let first = tokens.token()
        async let second = tokens.token()
        let both = await [first, second]
        fcmAssertEqual(await sender.requests.count, 1)
        for result in both {
            XCTAssertEqual(
                result,
                .failure(
                    .transient(
                        Reply(code: "curl:7", text: "token endpoint: Couldn't connect to server"), retryAfter: nil)))
        }
        // A failure is not cached: the next caller asks again.
        _ = await tokens.token()
        fcmAssertEqual(await sender.requests.count, 2)
    }

    func testInvalidateRefreshesOnlyOnceAndOnlyTheFailedToken() async throws {
        let sender = countingSender()
        let tokens = try source(sender)
        fcmAssertEqual(await tokens.token(), .success("ya29.1"))
        fcmAssertEqual(await tokens.invalidate("ya29.1"), .refresh)
        fcmAssertEqual(await tokens.invalidate("ya29.1"), .refresh, "a second refusal of the same old token")
        fcmAssertEqual(await tokens.token(), .success("ya29.2"))
        fcmAssertEqual(await tokens.invalidate("ya29.1"), .refresh, "a late refusal of the old token")
        fcmAssertEqual(await tokens.token(), .success("ya29.2"), "the late refusal keeps the new token")
        fcmAssertEqual(await sender.requests.count, 2)
        // The fresh token refused too: that is the credentials, not the token's age.
        fcmAssertEqual(await tokens.invalidate("ya29.2"), .credentialsInvalid)
    }

    func testAConfirmedTokenIsRefreshedOnceMore() async throws {
        let sender = countingSender()
        let tokens = try source(sender)
        _ = await tokens.token()
        _ = await tokens.invalidate("ya29.1")
        _ = await tokens.token()
        await tokens.confirm("ya29.2")
        fcmAssertEqual(await tokens.invalidate("ya29.2"), .refresh, "FCM had accepted it: expired, refresh once")
    }

    func testTokenEndpointFailuresBecomeOutcomes() async throws {
        let cases: [(Result<HTTPResponse, TransportError>, GoogleTokenFailure)] = [
            (
                .success(
                    FCMFixtures.response(
                        400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)),
                .credentialsInvalid(Reply(code: "400", text: "token endpoint: invalid_grant: Invalid JWT Signature."))
            ),
            (
                .success(
                    FCMFixtures.response(
                        401, #"{"error":"invalid_client","error_description":"The OAuth client was not found."}"#)),
                .credentialsInvalid(
                    Reply(code: "401", text: "token endpoint: invalid_client: The OAuth client was not found."))
            ),
            (
                .success(FCMFixtures.response(404, "<html>Not Found</html>")),
                .credentialsInvalid(Reply(code: "404", text: "token endpoint: <html>Not Found</html>"))
            ),
            (
                .success(FCMFixtures.response(503, "", retryAfter: .seconds(30))),
                .transient(Reply(code: "503", text: "token endpoint: no error given"), retryAfter: .seconds(30))
            ),
            (
                .success(FCMFixtures.response(200, #"{"token_type":"Bearer"}"#)),
                .transient(Reply(code: "200", text: "token endpoint: no access_token in the answer"), retryAfter: nil)
            ),
            (
                .failure(TransportError(curlCode: 28, message: "Timeout")),
                .transient(Reply(code: "curl:28", text: "token endpoint: Timeout"), retryAfter: nil)
            ),
            (
                .failure(TransportError(curlCode: 60, message: "SSL peer certificate")),
                .credentialsInvalid(Reply(code: "curl:60", text: "token endpoint: SSL peer certificate"))
            ),
        ]
        for (answer, expected) in cases {
            let tokens = try source(FCMFakeSender { _ in answer })
            fcmAssertEqual(await tokens.token(), .failure(expected))
        }
    }
}

/// Hands out 1, 2, 3, … across threads.
final class FCMCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
