import Foundation
import GoogleAuth
import XCTest

@testable import PushPlugin

/// The service-account file: a good one loads, and each broken one is refused with the file and the member named,
/// as `herald check` shows it.
final class GoogleServiceAccountTests: XCTestCase {
    func testAGoodFileLoads() throws {
        let account = try FCMFixtures.account()
        XCTAssertEqual(account.clientEmail, FCMFixtures.clientEmail)
        XCTAssertEqual(account.projectID, "shop-prod")
        XCTAssertEqual(account.privateKeyID, "0123abcd")
        XCTAssertEqual(account.tokenURI, "https://oauth2.googleapis.com/token")
        XCTAssertEqual(account.key.bits, 2048)
    }

    func testOptionalMembersHaveDefaults() throws {
        let account = try GoogleServiceAccount(
            json: FCMFixtures.serviceAccountJSON(dropping: "token_uri"), file: "firebase.json")
        XCTAssertEqual(account.tokenURI, GoogleServiceAccount.defaultTokenURI)
        XCTAssertNil(
            try GoogleServiceAccount(json: FCMFixtures.serviceAccountJSON(dropping: "private_key_id"), file: "f")
                .privateKeyID)
    }

    func testErrorsNameTheFileAndTheMember() {
        let cases: [([UInt8], GoogleServiceAccountError.Code, String?, String)] = [
            (
                FCMFixtures.serviceAccountJSON(dropping: "client_email"), .missingMember, "client_email",
                "firebase.json: client_email is missing"
            ),
            (FCMFixtures.serviceAccountJSON(dropping: "project_id"), .missingMember, "project_id", "project_id"),
            (FCMFixtures.serviceAccountJSON(dropping: "private_key"), .missingMember, "private_key", "private_key"),
            (
                FCMFixtures.serviceAccountJSON(key: FCMFixtures.p256PKCS8), .invalidKey, "private_key",
                "firebase.json: private_key is not an RSA PEM key ("
            ),
            (FCMFixtures.serviceAccountJSON(key: "not a key"), .invalidKey, "private_key", "not an RSA PEM key"),
            (
                FCMFixtures.serviceAccountJSON(extra: ["client_email": ""]), .malformedMember, "client_email",
                "non-empty"
            ),
            (
                FCMFixtures.serviceAccountJSON(extra: ["token_uri": "http://oauth2.googleapis.com/token"]),
                .malformedMember, "token_uri", "https://"
            ),
            (
                FCMFixtures.serviceAccountJSON(extra: ["type": "authorized_user"]), .malformedMember, "type",
                "service_account"
            ),
            (
                Array(
                    String(decoding: FCMFixtures.serviceAccountJSON(), as: UTF8.self)
                        .replacingOccurrences(of: #""project_id":"shop-prod""#, with: #""project_id":12"#).utf8),
                .malformedMember, "project_id", "project_id is not"
            ),
            (Array("{\"type\":".utf8), .invalidJSON, nil, "firebase.json: is not JSON"),
            (Array("[1]".utf8), .invalidJSON, nil, "is not a JSON object"),
        ]
        for (json, code, member, text) in cases {
            XCTAssertThrowsError(try GoogleServiceAccount(json: json, file: "firebase.json"), text) { error in
                guard let error = error as? GoogleServiceAccountError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.code, code, "\(error)")
                XCTAssertEqual(error.member, member, "\(error)")
                XCTAssertTrue(error.description.contains(text), "\(error) should contain \(text)")
            }
        }
    }

    func testTheFileIsReadFromDisk() throws {
        let path = NSTemporaryDirectory() + "herald-fcm-\(UUID().uuidString).json"
        try Data(FCMFixtures.serviceAccountJSON()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try GoogleServiceAccount(file: path).projectID, "shop-prod")
        XCTAssertThrowsError(try GoogleServiceAccount(file: path + ".missing")) {
            XCTAssertEqual(($0 as? GoogleServiceAccountError)?.code, .unreadableFile)
            XCTAssertTrue("\($0)".hasPrefix(path + ".missing: "), "\($0)")
        }
    }
}
