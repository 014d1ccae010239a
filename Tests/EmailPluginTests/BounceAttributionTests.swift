import HeraldPluginAPI
import HeraldPluginTesting
import Logging
import XCTest

@testable import EmailPlugin

/// Attribution: a verified handle naming a kept record makes facts about that send (its id, campaign, stage and
/// address, whatever the report says the recipient was); a forged, foreign or stale handle makes an unattributed
/// fact that names no address; provider events keep their authenticated address either way.
final class BounceAttributionTests: XCTestCase {
    private func setting() throws -> (BounceAttribution, VERPSettings, MemoryRecords) {
        let values: [String: ConfigValue] = [
            "url": .string("smtp://127.0.0.1:25"), "from": .string("n@shop.example"),
            "verp": .string("b+{handle}@bounce.test"), "verp_secret": .string("verp-secret-0123456789abcdef"),
        ]
        let records = MemoryRecords()
        let config = try EmailConfig(
            PluginConfig(values: values, scope: "channel \"email\""),
            context: PluginContext(channel: "email", logger: Logger(label: "t"), baseDirectory: "/tmp"))
        let verp = try XCTUnwrap(config.verp)
        return (BounceAttribution(channel: "email", verp: verp, records: records), verp, records)
    }

    private func report(_ kind: BounceReport.Kind, token: String?, messageID: String? = nil) -> BounceReport {
        BounceReport(kind: kind, verpToken: token, originalMessageID: messageID)
    }

    private let userUnknown = BounceReport.Recipient(
        address: "forwarded@elsewhere.example", action: "failed", status: "5.1.1", diagnostic: "smtp; 550 5.1.1 user unknown",
        verdict: BounceClassifier.Verdict(kind: .hard, reason: "user_unknown", status: "5.1.1"))

    func testAVerifiedHandleNamesTheSend() throws {
        let (attribution, verp, records) = try setting()
        let record = SendRecord(messageID: "m-1", address: "ana@example.net", campaign: "winback", stage: "winback")
        let id = try XCTUnwrap(records.ids(for: [(key: "m-1", value: record.json)], keep: .seconds(60)).first)
        let (facts, source) = attribution.facts(report(.delivery([userUnknown]), token: verp.token(sendID: id)))
        XCTAssertEqual(source, .send(record))
        XCTAssertEqual(facts.map(\.kind), [.bounced])
        XCTAssertEqual(facts.first?.messageID, "m-1")
        XCTAssertEqual(facts.first?.address, "ana@example.net", "the address sent to, not the forward's target")
        XCTAssertEqual(facts.first?.details["class"], .string("hard"))
        XCTAssertEqual(facts.first?.details["campaign"], .string("winback"))
        let byMessageID = attribution.facts(
            report(.feedback(type: "abuse", recipient: nil), token: nil, messageID: "<\(verp.token(sendID: id)).herald@shop.example>"))
        XCTAssertEqual(byMessageID.facts.map(\.kind), [.complained])
        XCTAssertEqual(byMessageID.facts.first?.address, "ana@example.net")
        XCTAssertEqual(attribution.facts(report(.feedback(type: "not-spam", recipient: nil), token: verp.token(sendID: id))).facts, [])
    }

    func testForgedStaleAndMissingHandlesNameNobody() throws {
        let (attribution, verp, records) = try setting()
        let id = try XCTUnwrap(records.ids(for: [(key: "m-1", value: SendRecord(messageID: "m-1", address: "a@x.example").json)], keep: .seconds(60)).first)
        var forged = Array(verp.token(sendID: id))
        forged[25] = forged[25] == "a" ? "b" : "a"
        let unknownID = verp.token(sendID: id + 1)
        records.expire(id: id)
        let cases: [(String?, String)] = [
            (String(forged), "does not verify"), (unknownID, "no longer known"), (verp.token(sendID: id), "no longer known"),
            (nil, "no VERP handle"),
        ]
        for (token, why) in cases {
            let (facts, source) = attribution.facts(report(.delivery([userUnknown]), token: token))
            guard case .unattributed(let reason) = source else { return XCTFail("\(String(describing: token)) attributed") }
            XCTAssertTrue(reason.contains(why), reason)
            XCTAssertEqual(facts.count, 1)
            XCTAssertNil(facts.first?.address, "an unattributed bounce must not name an address to suppress")
            XCTAssertNil(facts.first?.messageID)
        }
    }

    func testProviderEventsKeepTheirAuthenticatedAddress() throws {
        let (attribution, _, _) = try setting()
        let event = ProviderEvent(
            kind: .bounced, hard: true, reason: "user_unknown", address: "bo@example.net", status: "5.1.1",
            diagnostic: "550 5.1.1 no such user", originalMessageID: "<someone-elses@esp.example>", provider: "sendgrid")
        let facts = attribution.facts([event])
        XCTAssertEqual(facts.first?.address, "bo@example.net")
        XCTAssertNil(facts.first?.messageID)
        XCTAssertEqual(facts.first?.deadReason, .hardBounce)
        XCTAssertNotNil(facts.first?.details["unattributed"])
    }
}
