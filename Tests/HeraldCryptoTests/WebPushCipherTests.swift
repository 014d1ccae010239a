import CryptoTestSupport
import XCTest

@testable import HeraldCrypto

final class WebPushCipherTests: XCTestCase {
    /// RFC 8291 Appendix A (PROTOCOLS §4.6), base64url without padding.
    private enum RFC8291 {
        static let plaintext = Array("When I grow up, I want to be a watermelon".utf8)
        static let asPrivate = base64url("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")
        static let asPublic = base64url(
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")
        static let uaPrivate = base64url("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94")
        static let uaPublic = base64url(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")
        static let salt = base64url("DGv6ra1nlYgDCS1FRnbzlw")
        static let authSecret = base64url("BTBZMqHH6r4Tts7J_aSIgg")
        static let ecdhSecret = base64url("kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs")
        static let prkKey = base64url("Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k")
        static let keyInfo = base64url(
            "V2ViUHVzaDogaW5mbwAEJXGyvs3942BVGq8e0PTNNmwRzr5VX4m8t7GGpTM5FzFo7OLr4BhZe9MEebhuPI-OztV3ylkYfpJGmQ22ggCLDgT-"
                + "M_SrDepxkU21WCP3O1SUj0EwbZIHMtu5pZpTKGSCIA5Zent7wmC6HCJ5mFgJkuk5cwAvMBKiiujwa7t45ewP")
        static let ikm = base64url("S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg")
        static let prk = base64url("09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc")
        static let cek = base64url("oIhVW04MRdy2XN9CiKLxTg")
        static let nonce = base64url("4h_95klXJ5E_qnoN")
        static let header = base64url(
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3"
                + "jl7A8")
        static let body = base64url(
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3"
                + "jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
    }

    func testRFC8291AppendixABodyByteForByte() throws {
        let ephemeral = try P256KeyAgreement(privateScalar: RFC8291.asPrivate)
        XCTAssertEqual(ephemeral.publicKey, RFC8291.asPublic)
        let body = try WebPushCipher.encrypt(
            plaintext: RFC8291.plaintext, uaPublic: RFC8291.uaPublic, authSecret: RFC8291.authSecret,
            ephemeral: ephemeral, salt: RFC8291.salt)
        XCTAssertEqual(body.count, 144)
        XCTAssertEqual(Array(body.prefix(86)), RFC8291.header)
        XCTAssertEqual(body, RFC8291.body)
    }

    func testRFC8291AppendixAIntermediateValues() throws {
        let ephemeral = try P256KeyAgreement(privateScalar: RFC8291.asPrivate)
        let ecdh = try ephemeral.sharedSecret(peerPublicKey: RFC8291.uaPublic)
        XCTAssertEqual(ecdh, RFC8291.ecdhSecret)
        // ECDH is symmetric: the user agent's side derives the same secret.
        XCTAssertEqual(try P256KeyAgreement(privateScalar: RFC8291.uaPrivate).publicKey, RFC8291.uaPublic)
        XCTAssertEqual(
            try P256KeyAgreement(privateScalar: RFC8291.uaPrivate).sharedSecret(peerPublicKey: RFC8291.asPublic), ecdh)
        let prkKey = HKDF.extract(salt: RFC8291.authSecret, inputKeyMaterial: ecdh)
        XCTAssertEqual(prkKey, RFC8291.prkKey)
        XCTAssertEqual(Array("WebPush: info".utf8) + [0] + RFC8291.uaPublic + RFC8291.asPublic, RFC8291.keyInfo)
        let ikm = HKDF.expand(pseudoRandomKey: prkKey, info: RFC8291.keyInfo, length: 32)
        XCTAssertEqual(ikm, RFC8291.ikm)
        XCTAssertEqual(HKDF.extract(salt: RFC8291.salt, inputKeyMaterial: ikm), RFC8291.prk)
        let keys = WebPushCipher.contentKeys(
            ecdhSecret: ecdh, authSecret: RFC8291.authSecret, uaPublic: RFC8291.uaPublic,
            asPublic: RFC8291.asPublic, salt: RFC8291.salt)
        XCTAssertEqual(keys.contentKey, RFC8291.cek)
        XCTAssertEqual(keys.nonce, RFC8291.nonce)
    }

    func testRFC8291BodyDecryptsWithTheUserAgentKey() throws {
        let userAgent = try P256KeyAgreement(privateScalar: RFC8291.uaPrivate)
        XCTAssertEqual(
            try decrypt(RFC8291.body, userAgent: userAgent, authSecret: RFC8291.authSecret), RFC8291.plaintext)
    }

    func testFreshEncryptionDecryptsBack() throws {
        let userAgent = P256KeyAgreement()
        let authSecret = Digest.randomBytes(16)
        for plaintext in [[], RFC8291.plaintext, [UInt8](repeating: 0xA5, count: WebPushCipher.maximumPlaintext)] {
            let body = try WebPushCipher.encrypt(
                plaintext: plaintext, uaPublic: userAgent.publicKey, authSecret: authSecret)
            XCTAssertEqual(body.count, 86 + plaintext.count + 1 + 16)
            XCTAssertLessThanOrEqual(body.count, 4096)
            XCTAssertEqual(try decrypt(body, userAgent: userAgent, authSecret: authSecret), plaintext)
            // A different auth secret must not open it: the secret is part of the key schedule.
            XCTAssertNil(try decrypt(body, userAgent: userAgent, authSecret: Digest.randomBytes(16)))
        }
    }

    func testTwoEncryptionsOfTheSamePlaintextDiffer() throws {
        let userAgent = P256KeyAgreement()
        let authSecret = Digest.randomBytes(16)
        let first = try WebPushCipher.encrypt(
            plaintext: RFC8291.plaintext, uaPublic: userAgent.publicKey, authSecret: authSecret)
        let second = try WebPushCipher.encrypt(
            plaintext: RFC8291.plaintext, uaPublic: userAgent.publicKey, authSecret: authSecret)
        XCTAssertNotEqual(Array(first[0..<16]), Array(second[0..<16]), "salt must be fresh")
        XCTAssertNotEqual(Array(first[21..<86]), Array(second[21..<86]), "ephemeral key must be fresh")
        XCTAssertNotEqual(Array(first[86...]), Array(second[86...]))
    }

    func testPlaintextLimit() throws {
        let userAgent = P256KeyAgreement()
        let authSecret = Digest.randomBytes(16)
        let atLimit = try WebPushCipher.encrypt(
            plaintext: [UInt8](repeating: 1, count: 3993), uaPublic: userAgent.publicKey, authSecret: authSecret)
        XCTAssertEqual(atLimit.count, 4096)
        assertThrowsCryptoError(
            try WebPushCipher.encrypt(
                plaintext: [UInt8](repeating: 1, count: 3994), uaPublic: userAgent.publicKey, authSecret: authSecret),
            .payloadTooLarge, mentions: ["3994 bytes", "at most 3993"])
    }

    func testPublicKeysNotOnTheCurveAreRefused() {
        let authSecret = Digest.randomBytes(16)
        var offCurve = RFC8291.uaPublic
        offCurve[64] ^= 0x01
        let zeroPoint = [0x04] + [UInt8](repeating: 0, count: 64)
        // x = y = p (the field prime): coordinates out of range.
        let fieldPrime = hexBytes("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
        for point in [offCurve, zeroPoint, [0x04] + fieldPrime + fieldPrime] {
            assertThrowsCryptoError(
                try WebPushCipher.encrypt(plaintext: RFC8291.plaintext, uaPublic: point, authSecret: authSecret),
                .invalidPublicKey, mentions: ["not a", "P-256", "keys.p256dh"])
        }
        let compressed = [0x02] + Array(RFC8291.uaPublic[1..<33])
        for point in [compressed, Array(RFC8291.uaPublic.dropFirst()), []] {
            assertThrowsCryptoError(
                try WebPushCipher.encrypt(plaintext: RFC8291.plaintext, uaPublic: point, authSecret: authSecret),
                .invalidPublicKey, mentions: ["\(point.count) bytes", "65 bytes"])
        }
    }

    func testAuthSecretMustBe16Bytes() {
        assertThrowsCryptoError(
            try WebPushCipher.encrypt(
                plaintext: RFC8291.plaintext, uaPublic: RFC8291.uaPublic, authSecret: Digest.randomBytes(15)),
            .invalidAuthSecret, mentions: ["15 bytes", "keys.auth"])
    }

    /// The user agent's side (RFC 8291 §3.4, RFC 8188 §2), written out from the PROTOCOLS §4.3 pseudo-code with
    /// HMAC rather than through `WebPushCipher`, and opened by libcrypto directly. Nil when the tag fails.
    private func decrypt(_ body: [UInt8], userAgent: P256KeyAgreement, authSecret: [UInt8]) throws -> [UInt8]? {
        XCTAssertGreaterThanOrEqual(body.count, 86 + 17)
        let salt = Array(body[0..<16])
        let recordSize = body[16..<20].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(recordSize, 4096)
        XCTAssertEqual(body[20], 65)
        let asPublic = Array(body[21..<86])
        let ecdh = try userAgent.sharedSecret(peerPublicKey: asPublic)
        let prkKey = Digest.hmacSHA256(key: authSecret, data: ecdh)
        let keyInfo = Array("WebPush: info".utf8) + [0] + userAgent.publicKey + asPublic
        let ikm = Digest.hmacSHA256(key: prkKey, data: keyInfo + [1])
        let prk = Digest.hmacSHA256(key: salt, data: ikm)
        let cek = Array(
            Digest.hmacSHA256(key: prk, data: Array("Content-Encoding: aes128gcm".utf8) + [0, 1]).prefix(16))
        let nonce = Array(Digest.hmacSHA256(key: prk, data: Array("Content-Encoding: nonce".utf8) + [0, 1]).prefix(12))
        guard var record = Libcrypto.openAES128GCM(key: cek, nonce: nonce, sealed: Array(body[86...])) else {
            return nil
        }
        while record.last == 0 { record.removeLast() }
        XCTAssertEqual(record.last, 0x02, "a single record ends with the last-record delimiter")
        return Array(record.dropLast())
    }
}
