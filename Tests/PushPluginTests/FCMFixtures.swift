import COpenSSL
import Foundation
import HeraldPluginAPI
import HeraldTransport
import XCTest

@testable import PushPlugin

/// What the FCM tests share: keys made once with the openssl command line (copied from HeraldCryptoTests'
/// TestKeys), a service-account file around them, an RS256 verifier written straight against libcrypto, and a
/// fake sender that records requests and answers from a script, so no test touches the network.
enum FCMFixtures {
    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`
    static let rsa2048 = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCV70cvfY/QYDH7
        G94n4BEd5kgx6iVGFlopC0mzL2KPE0JZLk/JC6VIKfyyQOupwKdcfvoA1e+dwnpX
        SrdVguVnyRilzOVayqptadv1Ii0M32Lf+Rb9bxGA6hVdHl0NhmKCwq5f3eSMkLMI
        /XU9W9Yx8SGd8yrczKr90xtsz+C0YSx5MuyRDmT7pyl7+Q4Xc+Y/Wnftioh8QwZo
        WTY+icShqlMbo+Vwwgn2D4Tjsrt9ncb58p2azeAaNHdhzUON1A/6vnbwBKq/zQss
        1kVmkWmKPwbiB6/S7p2HdoP1lC/bryCRNAjB2EsxEKzBYksPfaPQQCe711sjNwii
        N9j8bnWhAgMBAAECggEAMwUaRxnF/1VMjLNd9Fm12WPMO1f+2QuwIHlb2eKM+jzG
        fgxZUANredP3zjxzNO9+w+Xdcr1Z7WgJM30UR7/kCl4OyhSgEzYVqme0VoULqW62
        eZqMbS8HWMPPA0HazkhlazOOHMcoB4ERu0RsSbXffF0eYF4nvrzSjs7wbSWLxDUr
        Yv1ge7Bw9XGGrXNWsSK7gRT6TIyoQuTLR0tokMxSsFt4G51baOy/NO5APsWv4iDH
        NonUgLuEZA9N3mLmohutzabnF1UMShGl1jMER7lZVmXWOg5CXYvVLE9KNmRT+VMs
        q0ZVnqEmjX2IDFTFnv658PReHWMlfEwvy0CxD2QQ9QKBgQDOuPwygbK9cbzYrsks
        AVR5At3CqEqFNQPYROSjwt+4oOvuIFxnCgGFY+HX8QLko1Z+uKDPYfRp7L0bGFoi
        Zl7twNAE85RnP14lcnSSGKiDJZ+LDcJfF+wj2M3pdZCODKBm5jRWegGAWMzy2N75
        sjhYugIx9bD/0vnmHl1KHsB6RwKBgQC5rN+1Top+eoQXTUvA1j89cEa3bx2WqpCr
        euKmHDzxJR6tcw98ZpbqU8h7xTfWq814rsY0isncHmLNSAGHstvRLbiHqASjV1Cm
        hlYODR0D67WewB527KTXgzFQ6O3IYh4BGTkbCorMGaNjeH0M+SrJz4O1IBlCoLlX
        AT+D1Vgc1wKBgHSmE8GYSDj4VjzbHC+VrIoAYQx3lF1oVfwSnAYAb+ep/pfHcPy/
        u63+d7E3kY9cz/D/09ZSCu4+pVMFwc7Jf2WfuIIixKoiKsjstfS+r1AZydZYdEbe
        o+RycXb8XQ6a92Q5IG1vuSsocLXURLYXqA4BID36yt8AuPzuQ2wQwEH/AoGBAJ4G
        HIsxYjuMyBkQ5xUjAsWmZfk+b39IgUIAnx9izxcpUXergpWMtoqObgWw7vocVA6P
        KQ+Uw4I8tjgiPXMhbWYVNIT4IaJm8LQZhuoEjRpGJNgMiKEMfKsS9Aj5hU5S+1hS
        AEEccs6MT3ucE0nUUm9Z1q1zuSv0oGkFHep0y74XAoGAC45/w2rPpCtBLZQdM90Q
        ARzEkx34u2ApneUI0XOHfLxo9U9TwLcZGHB95clQjgC5GcrW+57rvUGi2zx9nlWa
        60OmHxHVCkVCyDpDWuiodSj+yfHT7sR63pqEoHTj+5zxF2D1daOWMZHluAz0HTyP
        30U/pKmu8cxprw4Ucs5UtEU=
        -----END PRIVATE KEY-----
        """

    /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`: a key of the wrong type.
    static let p256PKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUM6pSoYdwBxx+oLi
        KZCJjdgAz7ai6klMCXe+175itFyhRANCAASiWIXBjz5CsjrbVbIIscYWW/nk2StO
        p39lmoCl6AhAziTjp6/o8PlEHHbdK++IgHd0B9aQGJbVs6LTMLWUDAnF
        -----END PRIVATE KEY-----
        """

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

    static func account() throws -> FCMServiceAccount {
        try FCMServiceAccount(json: serviceAccountJSON(), file: "firebase.json")
    }

    /// Verifies an RS256 signature with the public half of a PEM private key.
    static func verifyRS256(signature: [UInt8], message: [UInt8], privateKeyPEM: String) -> Bool {
        let pem = Array(privateKeyPEM.utf8)
        let key: OpaquePointer? = pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { _ = BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key, let context = EVP_MD_CTX_new() else { return false }
        defer {
            EVP_PKEY_free(key)
            EVP_MD_CTX_free(context)
        }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let ok = EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
        ERR_clear_error()
        return ok
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
final class FCMFakeClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: Int64

    init(_ millis: Int64 = 1_800_000_000_000) { self.millis = millis }

    var now: Int64 { lock.withLock { millis } }
    func advance(seconds: Int64) { lock.withLock { millis += seconds * 1000 } }
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

    nonisolated var function: FCMHTTPSender { { [self] in await self.send($0) } }
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
