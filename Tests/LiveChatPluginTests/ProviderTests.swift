import HeraldPluginAPI
import HeraldTransport
import Logging
import XCTest

@testable import LiveChatPlugin

/// The provider modes without a network: `to.chat` per provider, Messenger's 24-hour window, each provider's
/// request shape and its error table, and config errors that name the key.
final class ProviderTests: XCTestCase {
    func testToChatIsCheckedForTheChannelsProvider() {
        XCTAssertEqual(try ChatTarget.parse(.object(["session": .string("session_1")]), provider: .crisp).get().id, "session_1")
        guard case .failure(let wrong) = ChatTarget.parse(.object(["conversation": .string("c")]), provider: .crisp) else {
            return XCTFail("a Chatwoot-style target accepted for Crisp")
        }
        XCTAssertEqual(wrong.path, ".conversation")
        guard case .failure(let slash) = ChatTarget.parse(.object(["conversation": .string("1/../2")]), provider: .chatwoot)
        else { return XCTFail("a path in an id accepted") }
        XCTAssertEqual(slash.path, ".conversation")
        let psid = ChatTarget.parse(
            .object(["psid": .string("p1"), "last_inbound_at": .string("2026-12-01T09:00:00Z"), "tag": .string("HUMAN_AGENT")]),
            provider: .messenger)
        XCTAssertEqual(try psid.get().tag, "HUMAN_AGENT")
        XCTAssertNotNil(try psid.get().lastInboundAt)
        guard case .failure(let tag) = ChatTarget.parse(.object(["psid": .string("p"), "tag": .string("PROMO")]), provider: .messenger)
        else { return XCTFail("an unknown tag accepted") }
        XCTAssertEqual(tag.path, ".tag")
    }

    func testMessengersWindow() {
        let now: Int64 = 100 * 3_600_000
        let inside = ChatTarget(id: "p", lastInboundAt: now - 3_600_000)
        let outside = ChatTarget(id: "p", lastInboundAt: now - 25 * 3_600_000)
        XCTAssertEqual(MessengerRequest.messagingType(target: inside, marketing: true, defaultTag: "ACCOUNT_UPDATE", now: now)?.type, "RESPONSE")
        XCTAssertNil(MessengerRequest.messagingType(target: outside, marketing: true, defaultTag: "ACCOUNT_UPDATE", now: now))
        let tagged = MessengerRequest.messagingType(target: outside, marketing: false, defaultTag: "ACCOUNT_UPDATE", now: now)
        XCTAssertEqual(tagged?.type, "MESSAGE_TAG")
        XCTAssertEqual(tagged?.tag, "ACCOUNT_UPDATE")
        XCTAssertNil(MessengerRequest.messagingType(target: ChatTarget(id: "p"), marketing: true, defaultTag: "X", now: now),
                     "no last_inbound_at: no window is known to be open")
    }

    private func settings(_ provider: LiveChatConfig.Provider, _ values: [String: ConfigValue]) throws -> ProviderSettings {
        try ProviderSettings(
            provider, config: PluginConfig(values: values, scope: "channel \"chat\""),
            context: PluginContext(channel: "chat", logger: Logger(label: "t"), baseDirectory: "/"))
    }

    func testEachProvidersRequest() throws {
        let target = ChatTarget(id: "42")
        let chatwoot = ProviderRequest.build(
            .chatwoot, target: target, text: "hi",
            settings: try settings(.chatwoot, ["url": .string("https://chat.example/"), "account_id": .string("7"), "api_token": .string("t0k")]))
        XCTAssertEqual(chatwoot.url, "https://chat.example/api/v1/accounts/7/conversations/42/messages")
        XCTAssertTrue(chatwoot.headers.contains("api_access_token: t0k"))
        XCTAssertEqual(String(decoding: chatwoot.body, as: UTF8.self), #"{"content":"hi","message_type":"outgoing","private":false}"#)
        let crisp = ProviderRequest.build(
            .crisp, target: target, text: "hi",
            settings: try settings(.crisp, ["website_id": .string("w1"), "identifier": .string("id"), "key": .string("k")]))
        XCTAssertEqual(crisp.url, "https://api.crisp.chat/v1/website/w1/conversation/42/message")
        XCTAssertTrue(crisp.headers.contains("Authorization: Basic aWQ6aw=="))
        XCTAssertTrue(crisp.headers.contains("X-Crisp-Tier: plugin"))
        let intercom = ProviderRequest.build(
            .intercom, target: target, text: "hi",
            settings: try settings(.intercom, ["admin_id": .string("991"), "access_token": .string("t")]))
        XCTAssertEqual(intercom.url, "https://api.intercom.io/conversations/42/reply")
        XCTAssertTrue(String(decoding: intercom.body, as: UTF8.self).contains(#""admin_id":"991""#))
        let messenger = ProviderRequest.build(
            .messenger, target: target, text: "hi",
            settings: try settings(.messenger, ["page_id": .string("1055"), "page_token": .string("t")]),
            messagingType: ("MESSAGE_TAG", "ACCOUNT_UPDATE"))
        XCTAssertEqual(messenger.url, "https://graph.facebook.com/v25.0/1055/messages")
        XCTAssertEqual(
            String(decoding: messenger.body, as: UTF8.self),
            #"{"recipient":{"id":"42"},"messaging_type":"MESSAGE_TAG","tag":"ACCOUNT_UPDATE","message":{"text":"hi"}}"#)
    }

    func testTheErrorTable() {
        func label(_ status: Int, _ body: String = "{}", _ provider: LiveChatConfig.Provider = .chatwoot) -> String {
            ProviderClassifier.classify(.success(HTTPResponse(status: status, body: Array(body.utf8))), provider: provider).label
        }
        XCTAssertEqual(label(200, #"{"id":9}"#), "delivered")
        XCTAssertEqual(label(404), "not_reachable_here")
        XCTAssertEqual(label(401), "credentials_invalid")
        XCTAssertEqual(label(403, "{}", .crisp), "credentials_invalid")
        XCTAssertEqual(label(429), "throttled")
        XCTAssertEqual(label(503), "transient")
        XCTAssertEqual(label(422), "permanent")
        XCTAssertEqual(label(400, #"{"error":{"code":10,"error_subcode":2018278,"message":"outside window"}}"#, .messenger), "not_reachable_here")
        XCTAssertEqual(label(400, #"{"error":{"code":551,"message":"unavailable"}}"#, .messenger), "not_reachable_here")
        XCTAssertEqual(label(400, #"{"error":{"code":190,"message":"token"}}"#, .messenger), "credentials_invalid")
        XCTAssertEqual(label(400, #"{"error":{"code":613,"message":"rate"}}"#, .messenger), "throttled")
        XCTAssertEqual(label(400, #"{"error":{"code":100,"message":"param"}}"#, .messenger), "permanent")
        XCTAssertEqual(
            ProviderClassifier.classify(.failure(TransportError(curlCode: 7, message: "refused")), provider: .intercom).label,
            "transient")
    }

    func testProviderConfigErrorsNameTheKey() {
        let context = PluginContext(channel: "chat", logger: Logger(label: "t"), baseDirectory: "/")
        let cases: [([String: ConfigValue], String)] = [
            (["provider": .string("chatwoot"), "account_id": .string("7"), "api_token": .string("t")], "url"),
            (["provider": .string("chatwoot"), "url": .string("https://c.example"), "api_token": .string("t")], "account_id"),
            (["provider": .string("chatwoot"), "url": .string("https://c.example"), "account_id": .string("7")], "api_token_file"),
            (["provider": .string("intercom"), "access_token": .string("t")], "admin_id"),
            (["provider": .string("messenger"), "page_id": .string("1"), "page_token": .string("t"), "demo": .bool(true)], "demo"),
        ]
        for (values, key) in cases {
            XCTAssertThrowsError(try LiveChatPlugin(config: PluginConfig(values: values, scope: "channel \"chat\""), context: context)) {
                error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(values)")
            }
        }
    }
}
