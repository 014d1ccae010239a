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
    /// `openssl ecparam -name prime256v1 -genkey` (the SEC1 key of HeraldCryptoTests/TestKeys.swift).
    static let vapidPEM = """
        -----BEGIN EC PARAMETERS-----
        BggqhkjOPQMBBw==
        -----END EC PARAMETERS-----
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIAMS+BTN0fKb9h34Qad9NM8bn2yi48PyK4jn922kxWhXoAoGCCqGSM49
        AwEHoUQDQgAEz7tursdf0ZnqGYxqXshXwzLVI7hcYuNy1w5HuVKtN84DQQKAKE0A
        zE3PCPxxJCsA2qB4cfpoW200B47FyB2FvQ==
        -----END EC PRIVATE KEY-----
        """
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
    var function: WebPushProvider.Sender {
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
final class UserAgent: @unchecked Sendable {
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

/// The libcrypto calls the browser side needs.
enum Libcrypto {
    /// SubjectPublicKeyInfo prefix for an uncompressed P-256 point (id-ecPublicKey, prime256v1).
    static let spkiPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
        0x86, 0x48,
        0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]

    static func publicKey(_ point: [UInt8]) -> OpaquePointer? {
        let der = spkiPrefix + point
        return der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
    }

    static func ecdh(_ key: OpaquePointer, peer point: [UInt8]) -> [UInt8]? {
        guard let peer = publicKey(point), let context = EVP_PKEY_CTX_new(key, nil) else { return nil }
        defer {
            EVP_PKEY_free(peer)
            EVP_PKEY_CTX_free(context)
        }
        var length = 0
        guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_derive_set_peer(context, peer) == 1,
            EVP_PKEY_derive(context, nil, &length) == 1
        else { return nil }
        var secret = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_derive(context, &secret, &length) == 1 else { return nil }
        return Array(secret.prefix(length))
    }

    static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &out, &length) != nil)
        return out
    }

    /// Verifies a JWS ES256 signature (raw R || S) against a 65-byte uncompressed P-256 public key.
    static func verifyES256(signature: [UInt8], message: [UInt8], publicKey point: [UInt8]) -> Bool {
        guard signature.count == 64, let key = publicKey(point), let sig = ECDSA_SIG_new() else {
            return false
        }
        defer {
            EVP_PKEY_free(key)
            ECDSA_SIG_free(sig)
        }
        let r = BN_bin2bn(signature, 32, nil)
        let s = signature.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + 32, 32, nil) }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else { return false }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return false }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let ok = EVP_DigestVerify(context, der, der.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }

    /// AES-128-GCM open of ciphertext || tag; nil when the tag does not verify.
    static func openAES128GCM(key: [UInt8], nonce: [UInt8], sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 16, let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        var tag = Array(sealed.suffix(16))
        let ciphertext = Array(sealed.dropLast(16))
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_128_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(context, &plaintext, &written, ciphertext, Int32(ciphertext.count)) == 1
        else { return nil }
        let total = Int(written)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else { return nil }
        let final = plaintext.withUnsafeMutableBufferPointer {
            EVP_DecryptFinal_ex(context, $0.baseAddress! + total, &written)
        }
        ERR_clear_error()
        guard final == 1 else { return nil }
        return Array(plaintext.prefix(total + Int(written)))
    }
}
