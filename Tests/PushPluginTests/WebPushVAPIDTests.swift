import CryptoTestSupport
import Foundation
import HeraldCrypto
import HeraldPluginAPI
import XCTest

@testable import PushPlugin

/// The VAPID header: a JWT that verifies against the key's public half with `aud` = the endpoint's origin, `exp`
/// within 24 hours and `sub`; one token per origin, reused until an hour before it lapses; key errors name the file.
final class WebPushVAPIDTests: XCTestCase {
    let start: Int64 = 1_780_000_000_000

    private func parse(_ authorization: String) throws -> (jwt: String, k: String) {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        XCTAssertEqual(parts.first, "vapid")
        let params = try XCTUnwrap(parts.last).components(separatedBy: ", ")
        XCTAssertEqual(params.count, 2)
        XCTAssertTrue(params[0].hasPrefix("t="))
        XCTAssertTrue(params[1].hasPrefix("k="))
        return (String(params[0].dropFirst(2)), String(params[1].dropFirst(2)))
    }

    func testTheTokenVerifiesAndNamesTheEndpointsOrigin() throws {
        let clock = WebPushClock(start)
        let keyFile = try temporaryFile(WebPushFixtures.vapidPEM)
        let sender = WebPushSender()
        let provider = try WebPushProvider(
            settings: WebPushFixtures.settings(keyFile: keyFile), timeout: .seconds(5),
            connectTimeout: .seconds(2),
            now: clock.function, sender: sender.function)
        let request = try provider.request.build(
            WebPushFixtures.item(keys: UserAgent()), now: clock.now)
        let (jwt, k) = try parse(try XCTUnwrap(header("Authorization", in: request)))

        let publicKey = try XCTUnwrap(Base64.decode(k))
        XCTAssertEqual(publicKey, hex(WebPushFixtures.vapidPublicHex))
        XCTAssertFalse(k.contains("=") || k.contains("+") || k.contains("/"), "k is unpadded base64url")

        let pieces = jwt.split(separator: ".").map(String.init)
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(
            Base64.decode(pieces[0]).map { String(decoding: $0, as: UTF8.self) },
            #"{"typ":"JWT","alg":"ES256"}"#)
        let signature = try XCTUnwrap(Base64.decode(pieces[2]))
        XCTAssertEqual(signature.count, 64, "raw R || S, not DER")
        let signingInput = Array((pieces[0] + "." + pieces[1]).utf8)
        XCTAssertTrue(
            Libcrypto.verifyES256(signature: signature, message: signingInput, publicKey: publicKey))
        var tampered = signature
        tampered[10] ^= 1
        XCTAssertFalse(
            Libcrypto.verifyES256(signature: tampered, message: signingInput, publicKey: publicKey))

        let claims = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try XCTUnwrap(Base64.decode(pieces[1]))))
                as? [String: Any])
        XCTAssertEqual(claims["aud"] as? String, "https://fcm.googleapis.com")
        XCTAssertEqual(claims["sub"] as? String, WebPushFixtures.subject)
        let exp = try XCTUnwrap(claims["exp"] as? Int64)
        XCTAssertGreaterThan(exp, start / 1000 + 3_600)
        XCTAssertLessThanOrEqual(exp, start / 1000 + 24 * 3_600)
    }

    func testTheOriginKeepsAPortOtherThan443() throws {
        let vapid = WebPushVAPID(
            key: try P256SigningKey(pem: WebPushFixtures.vapidPEM), subject: "https://shop.example")
        let (jwt, _) = try parse(vapid.authorization(origin: "https://127.0.0.1:8443"))
        let claims = try XCTUnwrap(Base64.decode(String(jwt.split(separator: ".")[1])))
        XCTAssertTrue(
            String(decoding: claims, as: UTF8.self).contains(#""aud":"https://127.0.0.1:8443""#))
        XCTAssertTrue(
            String(decoding: claims, as: UTF8.self).contains(#""sub":"https://shop.example""#))
    }

    func testTheHeaderIsCachedPerOriginAndRenewedAnHourBeforeExpiry() throws {
        let clock = WebPushClock(start)
        let vapid = WebPushVAPID(
            key: try P256SigningKey(pem: WebPushFixtures.vapidPEM), subject: WebPushFixtures.subject,
            now: clock.function)
        let first = vapid.authorization(origin: "https://fcm.googleapis.com")
        let other = vapid.authorization(origin: "https://web.push.apple.com")
        XCTAssertNotEqual(first, other, "aud differs per origin")
        clock.advance(ms: 11 * 3_600_000 - 1_000)
        XCTAssertEqual(
            vapid.authorization(origin: "https://fcm.googleapis.com"), first, "reused within 11 h")
        XCTAssertEqual(vapid.authorization(origin: "https://web.push.apple.com"), other)
        clock.advance(ms: 1_000)
        let renewed = vapid.authorization(origin: "https://fcm.googleapis.com")
        XCTAssertNotEqual(renewed, first, "renewed an hour before exp")
        let (jwt, _) = try parse(renewed)
        let claims = String(
            decoding: try XCTUnwrap(Base64.decode(String(jwt.split(separator: ".")[1]))), as: UTF8.self)
        XCTAssertTrue(claims.contains(#""exp":\#(clock.now / 1000 + 12 * 3_600)"#), claims)
        XCTAssertEqual(vapid.authorization(origin: "https://fcm.googleapis.com"), renewed)
    }

    func testKeyErrorsNameTheFile() throws {
        let missing = NSTemporaryDirectory() + "herald-no-such-vapid.pem"
        let garbage = try temporaryFile("not a key")
        let p384 = try temporaryFile(TestKeys.p384)
        for (path, code) in [
            (missing, CryptoError.Code.unreadableFile), (garbage, .invalidPEM), (p384, .wrongCurve),
        ] {
            do {
                _ = try WebPushProvider(
                    settings: WebPushFixtures.settings(keyFile: path), timeout: .seconds(5),
                    connectTimeout: .seconds(2))
                XCTFail("\(path) loaded")
            } catch let error as CryptoError {
                XCTAssertEqual(error.code, code, "\(error)")
                XCTAssertEqual(error.path, path)
                XCTAssertTrue(error.description.contains(path), "\(error)")
            }
        }
    }

    private func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}
