import CryptoTestSupport
import Foundation
import HeraldPluginAPI
import HeraldTransport
import Logging
import Synchronization
import XCTest

@testable import AudiencePlugin

/// The google provider: the Data Manager body (destination, identifiers, address only when whole, consent and its
/// per-member override, no consent or terms on a removal), the Bearer token from the service account, and the
/// replies: partial failure by index, quota, a refused token refreshed once, permission.
final class GoogleRequestTests: XCTestCase {
    typealias Answer = @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError>

    final class Recording: Sendable {
        let requests = Mutex<[HTTPRequest]>([])
        let tokens = Mutex(0)
        let answer: Answer
        init(_ answer: @escaping Answer) { self.answer = answer }
        func send(_ batch: [HTTPRequest]) -> [Result<HTTPResponse, TransportError>] {
            batch.map { request in
                if request.url.hasSuffix("/token") {
                    let n = tokens.withLock { $0 += 1; return $0 }
                    return .success(HTTPResponse(status: 200, body: Array(#"{"access_token":"ya29.\#(n)","expires_in":3599}"#.utf8)))
                }
                requests.withLock { $0.append(request) }
                return answer(request)
            }
        }
        var api: [HTTPRequest] { requests.withLock { $0 } }
    }

    static let ok: Answer = { _ in .success(HTTPResponse(status: 200, body: Array(#"{"requestId":"req-1"}"#.utf8))) }

    private var keyFile: String = ""

    override func setUpWithError() throws {
        let json = """
            {"type":"service_account","project_id":"shop","private_key_id":"k1","client_email":"herald@shop.iam.gserviceaccount.com",
             "token_uri":"https://127.0.0.1:9/token","private_key":\(jsonString(TestKeys.rsa2048))}
            """
        keyFile = NSTemporaryDirectory() + "herald-google-\(UUID().uuidString).json"
        try json.write(toFile: keyFile, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: keyFile)
    }

    private func jsonString(_ text: String) -> String {
        var writer = JSONWriter()
        writer.value(.string(text))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private func values(_ extra: [String: ConfigValue] = [:]) -> [String: ConfigValue] {
        let base: [String: ConfigValue] = [
            "provider": .string("google"), "service_account_file": .string(keyFile), "url": .string("http://127.0.0.1:9"),
            "account_id": .string("123-456-7890"), "audiences": .table(["cart": .string("555")]),
            "default_country": .string("MY"),
        ]
        return base.merging(extra) { $1 }
    }

    private func plugin(_ extra: [String: ConfigValue] = [:], _ recording: Recording) throws -> AudiencePlugin {
        try AudiencePlugin(
            config: PluginConfig(values: values(extra), scope: "channel \"social\""),
            context: PluginContext(channel: "social", logger: Logger(label: "t"), baseDirectory: "/"),
            send: { recording.send($0) })
    }

    private func delivery(
        _ id: String, email: String? = nil, phone: String? = nil, action: String = "add", consent: [String: String] = [:],
        profile: Recipient.Profile = Recipient.Profile()
    ) -> Delivery {
        var audience: [String: JSONValue] = ["name": .string("cart"), "action": .string(action)]
        if !consent.isEmpty { audience["consent"] = .object(consent.mapValues(JSONValue.string)) }
        var recipient = Recipient(email: email, phone: phone, externalID: nil)
        recipient.profile = profile
        return Delivery(
            id: id, attempt: 1, channel: "social", recipient: recipient, content: RenderedContent(),
            metadata: MessageMetadata(), fields: ["audience": .object(audience)])
    }

    private func body(_ request: HTTPRequest) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    func testIngestBodyHasTheDestinationIdentifiersConsentAndTerms() async throws {
        let recording = Recording(Self.ok)
        var profile = Recipient.Profile()
        profile.firstName = "Ana"
        profile.lastName = "Lee"
        profile.country = "my"
        profile.postalCode = "50 450"
        let outcomes = try await plugin([:], recording).deliver([
            delivery("a", email: "Cloudy.SanFrancisco+shopping@gmail.com", phone: "012-345 6789", profile: profile)
        ])
        XCTAssertEqual(outcomes.map(\.label), ["delivered"])
        let request = try XCTUnwrap(recording.api.first)
        XCTAssertEqual(request.url, "http://127.0.0.1:9/v1/audienceMembers:ingest")
        XCTAssertEqual(request.method, "POST")
        XCTAssertTrue(request.headers.contains("Authorization: Bearer ya29.1"))
        let json = try body(request)
        let destinations = try XCTUnwrap(json["destinations"] as? [[String: Any]])
        XCTAssertEqual(destinations.first?["productDestinationId"] as? String, "555")
        XCTAssertEqual(
            destinations.first?["operatingAccount"] as? [String: String], ["accountType": "GOOGLE_ADS", "accountId": "1234567890"])
        XCTAssertEqual(json["encoding"] as? String, "HEX")
        XCTAssertEqual(json["consent"] as? [String: String], ["adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_GRANTED"])
        XCTAssertEqual(json["termsOfService"] as? [String: String], ["customerMatchTermsOfServiceStatus": "ACCEPTED"])
        let members = try XCTUnwrap(json["audienceMembers"] as? [[String: Any]])
        XCTAssertNil(members.first?["consent"], "no override: the request's consent")
        let identifiers = try XCTUnwrap((members.first?["userData"] as? [String: Any])?["userIdentifiers"] as? [[String: Any]])
        XCTAssertEqual(identifiers.count, 3)
        XCTAssertEqual(identifiers[0]["emailAddress"] as? String, "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4")
        XCTAssertEqual(identifiers[1]["phoneNumber"] as? String, "88030e91922da507d9b1ffa68d9896f94313acc33ec5b15c72eca420a6fe775b")
        let address = try XCTUnwrap(identifiers[2]["address"] as? [String: String])
        XCTAssertEqual(address["regionCode"], "MY")
        XCTAssertEqual(address["postalCode"], "50450")
        XCTAssertEqual(address["givenName"]?.count, 64)
        XCTAssertEqual(address["familyName"]?.count, 64)
        let text = String(decoding: request.body, as: UTF8.self)
        XCTAssertFalse(text.contains("cloudy") || text.contains("Ana") || text.contains("+60"), "raw values on the wire")
    }

    func testAPartialAddressIsLeftOutAndAMessagesConsentOverrides() async throws {
        let recording = Recording(Self.ok)
        var profile = Recipient.Profile()
        profile.firstName = "Ana"
        profile.country = "MY"
        profile.postalCode = "50450"
        _ = try await plugin(["consent": .table(["ad_personalization": .string("denied")])], recording).deliver([
            delivery("a", email: "a@example.com", consent: ["ad_user_data": "denied"], profile: profile),
            delivery("b", email: "b@example.com"),
        ])
        let json = try body(try XCTUnwrap(recording.api.first))
        XCTAssertEqual(json["consent"] as? [String: String], ["adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_DENIED"])
        let members = try XCTUnwrap(json["audienceMembers"] as? [[String: Any]])
        XCTAssertEqual(members[0]["consent"] as? [String: String], ["adUserData": "CONSENT_DENIED", "adPersonalization": "CONSENT_DENIED"])
        XCTAssertNil(members[1]["consent"])
        let identifiers = try XCTUnwrap((members[0]["userData"] as? [String: Any])?["userIdentifiers"] as? [[String: Any]])
        XCTAssertEqual(identifiers.count, 1, "a first name alone is no address")
    }

    func testRemoveCarriesNoConsentOrTerms() async throws {
        let recording = Recording(Self.ok)
        _ = try await plugin([:], recording).deliver([delivery("a", email: "a@example.com", action: "remove", consent: ["ad_user_data": "denied"])])
        let request = try XCTUnwrap(recording.api.first)
        XCTAssertEqual(request.url, "http://127.0.0.1:9/v1/audienceMembers:remove")
        let json = try body(request)
        XCTAssertNil(json["consent"])
        XCTAssertNil(json["termsOfService"])
        let members = try XCTUnwrap(json["audienceMembers"] as? [[String: Any]])
        XCTAssertNil(members.first?["consent"])
    }

    func testAnExternalIDAloneIsNoGoogleIdentifier() async throws {
        let recording = Recording(Self.ok)
        let only = Delivery(
            id: "x", attempt: 1, channel: "social", recipient: Recipient(email: nil, phone: nil, externalID: "u-1"),
            content: RenderedContent(), metadata: MessageMetadata(),
            fields: ["audience": .object(["name": .string("cart"), "action": .string("add")])])
        let outcomes = try await plugin([:], recording).deliver([only])
        XCTAssertEqual(outcomes.map(\.label), ["permanent"])
        XCTAssertTrue(recording.api.isEmpty)
    }

    func testPartialFailureFailsOnlyTheNamedMember() async throws {
        let recording = Recording { _ in
            .success(HTTPResponse(status: 200, body: Array(#"""
                {"requestId":"req-9","partialFailureError":{"code":3,"message":"1 invalid","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",
                 "fieldViolations":[{"field":"audienceMembers[1]","description":"bad identifier","reason":"INVALID_USER_IDENTIFIER"}]}]}}
                """#.utf8)))
        }
        let outcomes = try await plugin([:], recording).deliver([
            delivery("a", email: "a@example.com"), delivery("b", email: "b@example.com"), delivery("c", email: "c@example.com"),
        ])
        XCTAssertEqual(outcomes.map(\.label), ["delivered", "permanent", "delivered"])
        if case .delivered(let id, _) = outcomes[0] { XCTAssertEqual(id, "req-9") } else { XCTFail("\(outcomes[0])") }
    }

    func testMemberIndexParsing() {
        XCTAssertEqual(GoogleClassifier.memberIndex("audienceMembers[12]"), 12)
        XCTAssertEqual(GoogleClassifier.memberIndex("audienceMembers[3].userData.userIdentifiers[0]"), 3)
        XCTAssertNil(GoogleClassifier.memberIndex("destinations[0]"))
        XCTAssertNil(GoogleClassifier.memberIndex("audienceMembers[x]"))
    }

    private func error(_ status: Int, _ name: String, retryAfter: Duration? = nil) -> Result<HTTPResponse, TransportError> {
        .success(
            HTTPResponse(
                status: status, body: Array(#"{"error":{"code":\#(status),"message":"m","status":"\#(name)"}}"#.utf8),
                retryAfter: retryAfter))
    }

    func testErrorClassification() {
        let members = [AudienceMember(index: 0, id: "a", list: "l", identity: NormalizedIdentity(email: "e"))]
        func label(_ result: Result<HTTPResponse, TransportError>) -> String {
            switch GoogleClassifier.classify(result, members: members) {
            case .outcomes(let outcomes): outcomes[0].label
            case .unauthenticated: "unauthenticated"
            }
        }
        XCTAssertEqual(label(error(429, "RESOURCE_EXHAUSTED")), "throttled")
        XCTAssertEqual(label(error(401, "UNAUTHENTICATED")), "unauthenticated")
        XCTAssertEqual(label(error(403, "PERMISSION_DENIED")), "credentials_invalid")
        XCTAssertEqual(label(error(400, "INVALID_ARGUMENT")), "permanent")
        XCTAssertEqual(label(error(500, "INTERNAL")), "transient")
        XCTAssertEqual(label(error(503, "UNAVAILABLE")), "transient")
        XCTAssertEqual(label(.failure(TransportError(curlCode: 7, message: "refused"))), "transient")
        XCTAssertEqual(label(.failure(TransportError(curlCode: 60, message: "untrusted"))), "credentials_invalid")
        if case .outcomes(let outcomes) = GoogleClassifier.classify(error(429, "RESOURCE_EXHAUSTED"), members: members),
            case .throttled(_, let after) = outcomes[0]
        {
            XCTAssertEqual(after, .seconds(60))
        } else {
            XCTFail("not throttled")
        }
    }

    func testARequestRefusedForSomeMembersFailsOnlyThem() {
        let members = (0..<3).map { AudienceMember(index: $0, id: "m\($0)", list: "l", identity: NormalizedIdentity(email: "e\($0)")) }
        let body = #"""
            {"error":{"code":400,"status":"INVALID_ARGUMENT","message":"Request contains an invalid argument.","details":[
             {"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[
              {"field":"audienceMembers[1].userData.userIdentifiers[0].phoneNumber","description":"not a hex SHA-256"}]}]}}
            """#
        guard case .outcomes(let outcomes) = GoogleClassifier.classify(.success(HTTPResponse(status: 400, body: Array(body.utf8))), members: members)
        else { return XCTFail("not outcomes") }
        XCTAssertEqual(outcomes.map(\.label), ["transient", "permanent", "transient"])
        XCTAssertEqual(outcomes[1].reply.code, "invalid_entry")
        XCTAssertTrue(outcomes[1].reply.text.contains("not a hex SHA-256"))
        // Every member named, or none: the request itself is wrong, and all fail.
        let all = body.replacingOccurrences(of: "audienceMembers[1]", with: "destinations[0]")
        guard case .outcomes(let whole) = GoogleClassifier.classify(.success(HTTPResponse(status: 400, body: Array(all.utf8))), members: members)
        else { return XCTFail("not outcomes") }
        XCTAssertEqual(whole.map(\.label), ["permanent", "permanent", "permanent"])
    }

    func testARefusedTokenIsRefreshedOnceThenBelieved() async throws {
        let recording = Recording { _ in .success(HTTPResponse(status: 401, body: Array(#"{"error":{"code":401,"status":"UNAUTHENTICATED","message":"expired"}}"#.utf8))) }
        let plugin = try plugin([:], recording)
        let first = await plugin.deliver([delivery("a", email: "a@example.com")])
        XCTAssertEqual(first.map(\.label), ["transient"])
        if case .transient(_, let after) = first[0] { XCTAssertEqual(after, .zero) }
        let second = await plugin.deliver([delivery("a", email: "a@example.com")])
        XCTAssertEqual(second.map(\.label), ["credentials_invalid"], "refused again right after a refresh")
        XCTAssertEqual(recording.tokens.withLock { $0 }, 2)
        XCTAssertEqual(recording.api.map { $0.headers.contains("Authorization: Bearer ya29.2") }, [false, true])
    }

    func testConfigErrorsNameTheKey() throws {
        let cases: [([String: ConfigValue], String)] = [
            (["service_account_file": .string("/nonexistent.json")], "service_account_file"),
            (["account_id": .string("12a")], "account_id"),
            (["account_type": .string("META")], "account_type"),
            (["consent": .table(["ad_user_data": .string("yes")])], "consent"),
        ]
        for (extra, key) in cases {
            XCTAssertThrowsError(try plugin(extra, Recording(Self.ok)), key) { error in
                XCTAssertTrue("\(error)".contains(key), "\(error)")
            }
        }
        var missing = values()
        missing["account_id"] = nil
        XCTAssertThrowsError(
            try AudiencePlugin(
                config: PluginConfig(values: missing, scope: "channel \"social\""),
                context: PluginContext(channel: "social", logger: Logger(label: "t"), baseDirectory: "/"))
        ) { XCTAssertTrue("\($0)".contains("account_id"), "\($0)") }
    }
}
