import Foundation
import HeraldPluginAPI
import HeraldTransport
import Logging
import XCTest

@testable import AudiencePlugin

/// What the `audience` channel files in the core's membership ledger: each delivered add or remove is a membership
/// fact keyed by the provider's hashes (never the raw address), an opted-out address finds its keys the same way,
/// and a removal built from the keys hashes nothing twice and matches the member it came from.
final class AudienceMembershipTests: XCTestCase {
    private let meta = AudienceNormalizer(provider: .meta, defaultCountry: "MY")
    private let google = AudienceNormalizer(provider: .google, defaultCountry: "MY")

    private func sha(_ text: String) -> String { AudienceHash.sha256Hex(text) }

    func testAnOptedOutAddressHasTheKeysItsMemberWasFiledUnder() throws {
        let identity = meta.normalize(AudienceIdentity(email: " Ana@Example.com", phone: "012-345 6789", externalID: "c-77"))
        let change = try XCTUnwrap(AudienceMembership.change(list: "cart", action: .add, identity: identity))
        XCTAssertEqual(change.keys, ["email:" + sha("ana@example.com"), "phone:" + sha("60123456789"), "external_id:c-77"])
        XCTAssertEqual(change.member, identity.identityHash)
        XCTAssertTrue(change.joined)
        XCTAssertFalse(change.keys.joined().contains("Ana@"), "no raw email in a key")

        let membership = AudienceMembership.membership(meta)
        XCTAssertEqual(membership.keys("email", "ana@example.com"), ["email:" + sha("ana@example.com")])
        XCTAssertEqual(membership.keys("phone", "+60 12-345 6789"), ["phone:" + sha("60123456789")])
        XCTAssertEqual(membership.keys("external_id", "c-77"), ["external_id:c-77"])
        XCTAssertEqual(membership.keys("audience", "ana@example.com"), ["email:" + sha("ana@example.com"), "external_id:ana@example.com"])
        XCTAssertEqual(membership.keys("push_token", "abc"), [], "a device token names no member")
        // Google's own email rule: the opt-out of a gmail address finds the member filed without its dots.
        XCTAssertEqual(AudienceMembership.membership(google).keys("email", "a.na+x@gmail.com"), ["email:" + sha("ana@gmail.com")])
    }

    func testARemovalFromTheKeysIsTheSameMemberAndHashesNothingTwice() throws {
        let identity = meta.normalize(AudienceIdentity(email: "ana@example.com", phone: "0123456789", externalID: "c-77"))
        let change = try XCTUnwrap(AudienceMembership.change(list: "cart", action: .add, identity: identity))
        let leave = try XCTUnwrap(AudienceMembership.leave(list: "cart", keys: change.keys))
        XCTAssertEqual(leave.fields["audience"], .object(["name": .string("cart"), "action": .string("remove")]))
        let to = leave.to
        XCTAssertEqual(to["email"]?.stringValue, sha("ana@example.com"))
        let again = meta.normalize(
            AudienceIdentity(email: to["email"]?.stringValue, phone: to["phone"]?.stringValue, externalID: to["external_id"]?.stringValue))
        XCTAssertEqual(again.email, identity.email, "a hash passes through")
        XCTAssertEqual(again.identityHash, identity.identityHash, "the removal is the member it came from")
        XCTAssertNil(AudienceMembership.leave(list: "cart", keys: ["other:x"]))
    }

    func testOnlyDeliveredMembersAreReportedToTheLedger() async throws {
        let facts = FactSink()
        let config: [String: ConfigValue] = [
            "provider": .string("generic"), "url": .string("http://127.0.0.1:9/a"), "secret": .string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            "audiences": .table(["cart": .string("c1")]),
        ]
        let plugin = try AudiencePlugin(
            config: PluginConfig(values: config, scope: "channel \"social\""),
            context: PluginContext(channel: "social", logger: Logger(label: "t"), baseDirectory: "/", facts: facts),
            send: { requests in
                requests.map { request in
                    let body = String(decoding: request.body, as: UTF8.self)
                    return body.contains("\"remove\"")
                        ? .success(HTTPResponse(status: 503, body: [])) : .success(HTTPResponse(status: 200, body: Array("{}".utf8)))
                }
            })
        func delivery(_ id: String, _ email: String, _ action: String) -> Delivery {
            Delivery(
                id: id, attempt: 1, channel: "social", recipient: Recipient(email: email), content: RenderedContent(),
                metadata: MessageMetadata(), fields: ["audience": .object(["name": .string("cart"), "action": .string(action)])])
        }
        let outcomes = await plugin.deliver([delivery("a", "ana@example.com", "add"), delivery("r", "bo@example.com", "remove")])
        XCTAssertEqual(outcomes.map(\.label), ["delivered", "transient"])
        XCTAssertEqual(facts.pending.map(\.messageID), ["a"])
        XCTAssertEqual(facts.pending.first?.kind, .membership)
        XCTAssertEqual(facts.pending.first?.membership?.list, "cart")
        XCTAssertEqual(facts.pending.first?.membership?.keys, ["email:" + sha("ana@example.com")])
    }
}
