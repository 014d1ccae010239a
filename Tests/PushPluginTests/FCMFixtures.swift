import COpenSSL
import CryptoTestSupport
import Foundation
import GoogleAuth
import HeraldPluginAPI
import HeraldTransport
import Synchronization
import XCTest

@testable import PushPlugin

/// What the FCM tests share: keys made once with the openssl command line (copied from HeraldCryptoTests'
/// TestKeys), a service-account file around them, an RS256 verifier written straight against libcrypto, and a
/// fake sender that records requests and answers from a script, so no test touches the network.
enum FCMFixtures {
    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`
    static let rsa2048 = TestKeys.rsa2048

    /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`: a key of the wrong type.
    static let p256PKCS8 = TestKeys.p256PKCS8

    static let clientEmail = "herald@shop-prod.iam.gserviceaccount.com"

    /// A service-account file as the Firebase console writes it, with `\n` escapes in the key.
    static func serviceAccountJSON(key: String = rsa2048, dropping: String? = nil, extra: [String: String] = [:])
        -> [UInt8]
    {
        var members: [String: JSONValue] = [
            "type": .string("service_account"), "project_id": .string("shop-prod"),
            "private_key_id": .string("0123abcd"), "private_key": .string(key + "\n"),
            "client_email": .string(clientEmail), "client_id": .string("1234567890"),
            "token_uri": .string("https://oauth2.googleapis.com/token"),
        ]
        if let dropping { members[dropping] = nil }
        for (name, value) in extra { members[name] = .string(value) }
        var writer = JSONWriter()
        writer.value(.object(members))
        return writer.bytes
    }

    static func account() throws -> GoogleServiceAccount {
        try GoogleServiceAccount(json: serviceAccountJSON(), file: "firebase.json")
    }

    static func json(_ bytes: [UInt8]) -> [String: JSONValue] {
        guard case .object(let object)? = try? JSONParser.parse(bytes) else { return [:] }
        return object
    }

    static func response(_ status: Int, _ body: String, retryAfter: Duration? = nil) -> HTTPResponse {
        HTTPResponse(status: status, body: Array(body.utf8), retryAfter: retryAfter)
    }

    static func tokenAnswer(_ token: String, expiresIn: Int = 3599) -> HTTPResponse {
        response(200, #"{"access_token":"\#(token)","expires_in":\#(expiresIn),"token_type":"Bearer"}"#)
    }
}

/// A clock the test moves by hand.
final class FCMFakeClock: Sendable {
    private let millis: Mutex<Int64>

    init(_ millis: Int64 = 1_800_000_000_000) { self.millis = Mutex(millis) }

    var now: Int64 { millis.withLock { $0 } }
    func advance(seconds: Int64) { millis.withLock { $0 += seconds * 1000 } }
    var function: @Sendable () -> Int64 { { [self] in now } }
}

/// Records every request and answers each from `answer`; suspends briefly so concurrent callers overlap.
actor FCMFakeSender {
    private(set) var requests: [HTTPRequest] = []
    private var answer: @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError>

    init(_ answer: @escaping @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError>) {
        self.answer = answer
    }

    func setAnswer(_ answer: @escaping @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError>) {
        self.answer = answer
    }

    func send(_ batch: [HTTPRequest]) async -> [Result<HTTPResponse, TransportError>] {
        requests += batch
        try? await Task.sleep(for: .milliseconds(20))
        return batch.map(answer)
    }

    var tokenRequests: [HTTPRequest] { requests.filter { $0.url.hasSuffix("/token") } }
    var fcmRequests: [HTTPRequest] { requests.filter { $0.url.hasSuffix(":send") } }

    nonisolated var function: PushSender { { [self] in await self.send($0) } }
}

extension HTTPRequest {
    var fcmBodyText: String { String(decoding: body, as: UTF8.self) }

    func fcmHeader(_ name: String) -> String? {
        let prefix = name.lowercased() + ": "
        return headers.first { $0.lowercased().hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}

/// `XCTAssertEqual` for values that need `await` (XCTest's autoclosures cannot suspend).
func fcmAssertEqual<T: Equatable>(
    _ actual: T, _ expected: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual, expected, message, file: file, line: line)
}
