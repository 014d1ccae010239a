import CryptoTestSupport
import COpenSSL
import Foundation
import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport
import Logging
import Synchronization
import XCTest

@testable import PushPlugin

/// What the Web Push tests share: a VAPID key, settings, push items, a fake clock and sender, and the browser's
/// side written straight against libcrypto (a user agent's P-256 key, RFC 8291 decryption, ES256 verification),
/// so Herald's requests are checked by code that is not Herald's. None of it ships.
enum WebPushFixtures {
    static let vapidPEM = TestKeys.p256SEC1
    static let vapidPublicHex =
        "04cfbb6eaec75fd199ea198c6a5ec857c332d523b85c62e372d70e47b952ad37ce"
        + "03410280284d00cc4dcf08fc71242b00daa07871fa685b6d34078ec5c81d85bd"
    static let subject = "mailto:push@shop.example"
    static let endpoint = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b-sub"

    static func settings(keyFile: String, ttl: Int64? = nil, caFile: String? = nil) throws
        -> WebPushSettings
    {
        var values: [String: ConfigValue] = [
            "vapid_key_file": .string(keyFile), "vapid_subject": .string(subject),
        ]
        if let ttl { values["ttl"] = .string("\(ttl)s") }
        if let caFile { values["ca_file"] = .string(caFile) }
        let context = PluginContext(
            channel: "push", logger: Logger(label: "test"), baseDirectory: "/etc/herald")
        return try WebPushSettings(
            PluginConfig(values: values, scope: "channel \"push\"", lines: [:]), context: context)
    }

    static func item(
        endpoint: String = endpoint, keys: UserAgent,
        content: RenderedContent = RenderedContent(title: "Hi"),
        push: JSONValue? = nil, priority: String = "normal", expiresAt: Int64? = nil
    ) -> PushItem {
        let device = PushDevice(
            platform: "web", endpoint: endpoint,
            keys: [
                "p256dh": Base64.encode(keys.publicKey, urlSafe: true, padded: false),
                "auth": Base64.encode(keys.authSecret, urlSafe: true, padded: false),
            ])
        let delivery = Delivery(
            id: "m1", attempt: 1, channel: "push", recipient: Recipient(push: [device]), content: content,
            metadata: MessageMetadata(priority: priority, expiresAt: expiresAt),
            fields: push.map { ["push": $0] } ?? [:])
        return PushItem(delivery: delivery, device: device, notification: PushNotification(delivery))
    }
}

/// A settable clock in ms.
final class WebPushClock: Sendable {
    private let time: Mutex<Int64>
    init(_ start: Int64) { time = Mutex(start) }
    var now: Int64 { time.withLock { $0 } }
    func advance(ms: Int64) { time.withLock { $0 += ms } }
    var function: @Sendable () -> Int64 { { self.now } }
}

/// Records every batch it is handed and answers each request with `answer`.
final class WebPushSender: Sendable {
    private let batches = Mutex<[[HTTPRequest]]>([])
    private let answer: @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError>

    init(
        _ answer: @escaping @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError> = { _ in
            .success(HTTPResponse(status: 201))
        }
    ) {
        self.answer = answer
    }

    var sent: [[HTTPRequest]] { batches.withLock { $0 } }
    var function: PushSender {
        { requests in
            self.batches.withLock { $0.append(requests) }
            return requests.map(self.answer)
        }
    }
}

extension XCTestCase {
    func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "herald-webpush-test-\(UUID().uuidString).pem"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func header(_ name: String, in request: HTTPRequest) -> String? {
        let prefix = name.lowercased() + ": "
        return request.headers.first { $0.lowercased().hasPrefix(prefix) }.map {
            String($0.dropFirst(prefix.count))
        }
    }
}

/// A browser's subscription keys: a P-256 key pair made by libcrypto and a random 16-byte auth secret.
final class UserAgent {
    let key: OpaquePointer
    let publicKey: [UInt8]
    let authSecret: [UInt8]

    init() {
        let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil)!
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        precondition(
            EVP_PKEY_keygen_init(context) == 1 && EVP_PKEY_CTX_set_group_name(context, "P-256") == 1)
        precondition(EVP_PKEY_generate(context, &generated) == 1)
        key = generated!
        var point = [UInt8](repeating: 0, count: 65)
        var length = 0
        precondition(
            EVP_PKEY_get_octet_string_param(key, "pub", &point, 65, &length) == 1 && length == 65)
        publicKey = point
        var secret = [UInt8](repeating: 0, count: 16)
        precondition(RAND_bytes(&secret, 16) == 1)
        authSecret = secret
    }

    deinit { EVP_PKEY_free(key) }

    /// RFC 8291 §3.4 + RFC 8188 §2 on the receiving side; nil when the tag does not verify.
    func decrypt(_ body: [UInt8]) -> [UInt8]? {
        guard body.count >= 86 + 17, body[20] == 65 else { return nil }
        let salt = Array(body[0..<16])
        let recordSize = body[16..<20].reduce(0) { $0 << 8 | Int($1) }
        guard recordSize >= body.count - 86 else { return nil }
        let asPublic = Array(body[21..<86])
        guard let ecdh = Libcrypto.ecdh(key, peer: asPublic) else { return nil }
        let prkKey = Libcrypto.hmac(key: authSecret, ecdh)
        let ikm = Libcrypto.hmac(
            key: prkKey, Array("WebPush: info".utf8) + [0] + publicKey + asPublic + [1])
        let prk = Libcrypto.hmac(key: salt, ikm)
        let cek = Array(
            Libcrypto.hmac(key: prk, Array("Content-Encoding: aes128gcm".utf8) + [0, 1]).prefix(16))
        let nonce = Array(
            Libcrypto.hmac(key: prk, Array("Content-Encoding: nonce".utf8) + [0, 1]).prefix(12))
        guard var record = Libcrypto.openAES128GCM(key: cek, nonce: nonce, sealed: Array(body[86...]))
        else {
            return nil
        }
        while record.last == 0 { record.removeLast() }
        guard record.last == 0x02 else { return nil }
        return Array(record.dropLast())
    }
}

