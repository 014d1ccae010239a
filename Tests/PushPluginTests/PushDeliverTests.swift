import HeraldPluginAPI
import Logging
import Synchronization
import XCTest

@testable import PushPlugin

/// A delivery fans out to every device through its platform's provider; dead devices become facts (reported before
/// the outcome returns); the outcome is delivered when any device accepted, recipient-invalid when all are dead.
final class PushDeliverTests: XCTestCase {
    /// Answers by token: `ok…` accepted, `dead…` dead, `busy…` transient, `slow…` throttled, `bad…` permanent.
    final class ScriptedProvider: PushProvider {
        let platform: String
        let seen = Mutex<[String]>([])

        init(platform: String) { self.platform = platform }

        func send(_ items: [PushItem]) async -> [DeviceResult] {
            items.map { item in
                let address = item.device.address ?? ""
                seen.withLock { $0.append(address) }
                let reply = Reply(code: "\(platform)-\(address)", text: "")
                if address.hasPrefix("ok") { return .accepted(providerID: "id-\(address)", reply: reply) }
                if address.hasPrefix("dead") { return .dead(reply: reply) }
                if address.hasPrefix("busy") { return .failed(.transient(reply: reply, retryAfter: .seconds(5))) }
                if address.hasPrefix("slow") { return .failed(.throttled(reply: reply, retryAfter: .seconds(30))) }
                if address.hasPrefix("keys") { return .failed(.credentialsInvalid(reply: reply)) }
                return .failed(.permanent(reply: reply))
            }
        }
    }

    private func plugin(_ platforms: [String], facts: FactSink = FactSink()) throws -> (PushPlugin, [String: ScriptedProvider]) {
        let providers = Dictionary(uniqueKeysWithValues: platforms.map { ($0, ScriptedProvider(platform: $0)) })
        let config = try PushConfig(
            PluginConfig(
                values: ["webpush": .table(["vapid_key_file": .string("k"), "vapid_subject": .string("mailto:a@b.example")])],
                scope: "c"), context: PluginContext(channel: "push", logger: Logger(label: "t"), baseDirectory: "/"))
        return (PushPlugin(config: config, providers: providers, channel: "push", facts: facts), providers)
    }

    private func delivery(_ id: String, _ devices: [(String, String)]) -> Delivery {
        Delivery(
            id: id, attempt: 1, channel: "push",
            recipient: Recipient(push: devices.map { PushDevice(platform: $0.0, token: $0.1) }),
            content: RenderedContent(title: "Hi"), metadata: MessageMetadata())
    }

    func testOutcomesFromEveryDevice() async throws {
        let facts = FactSink()
        let (plugin, providers) = try plugin(["apns", "fcm"], facts: facts)
        let outcomes = await plugin.deliver([
            delivery("a", [("apns", "dead-1"), ("fcm", "ok-1")]),
            delivery("b", [("apns", "dead-2"), ("fcm", "dead-3")]),
            delivery("c", [("apns", "busy-1"), ("fcm", "bad-1"), ("fcm", "dead-4")]),
            delivery("d", [("apns", "busy-2"), ("fcm", "slow-1")]),
            delivery("e", [("web", "ok-2")]),
            delivery("f", [("apns", "keys-1"), ("fcm", "busy-3")]),
        ])
        XCTAssertEqual(outcomes.map(\.label), ["delivered", "recipient_invalid", "transient", "throttled", "permanent", "credentials_invalid"])
        if case .delivered(let id, let reply) = outcomes[0] {
            XCTAssertEqual(id, "id-ok-1")
            XCTAssertTrue(reply.text.contains("apns dead-1: apns-dead-1 (dead)"), reply.text)
            XCTAssertTrue(reply.text.contains("fcm ok-1: fcm-ok-1 (accepted)"), reply.text)
        }
        if case .transient(_, let hint) = outcomes[2] { XCTAssertEqual(hint, .seconds(5)) }
        if case .throttled(_, let hint) = outcomes[3] { XCTAssertEqual(hint, .seconds(30), "the longest wait any service asked for") }
        XCTAssertTrue(outcomes[4].reply.text.contains("skipped, this channel serves no web"), outcomes[4].reply.text)
        XCTAssertEqual(outcomes[4].reply.code, "no_device")
        // Every dead device, and only those, reported with its message, before deliver returned.
        XCTAssertEqual(facts.pending.map(\.address), ["dead-1", "dead-2", "dead-3", "dead-4"])
        XCTAssertEqual(facts.pending.map(\.messageID), ["a", "b", "b", "c"])
        XCTAssertEqual(Set(facts.pending.map(\.addressKind)), ["push_token"])
        XCTAssertEqual(providers["apns"]?.seen.withLock { $0.sorted() }, ["busy-1", "busy-2", "dead-1", "dead-2", "keys-1"])
    }

    func testADeliveryWithoutDevicesIsPermanent() async throws {
        let (plugin, _) = try plugin(["apns"])
        let outcomes = await plugin.deliver([delivery("x", [])])
        XCTAssertEqual(outcomes.map(\.label), ["permanent"])
    }
}
