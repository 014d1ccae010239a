import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// Intake runs the declarations (`ChannelContract`) of a message's channel and of its fallback channels: header
/// rules, recipient fields, content, and the plugins' own fields with their validators.
final class MessageDecoderContractTests: XCTestCase {
    static let mail = ChannelContract(
        addressKind: "email", address: { recipient, _ in recipient.email }, recipientFields: [.email],
        header: { name, _ in name.lowercased().hasPrefix("content-") ? "the plugin writes Content-* itself" : nil })
    static let audience = ChannelContract(
        addressKind: "audience", needsContent: false,
        fields: [
            MessageField(name: "audience") { value in
                guard case .object(let object) = value else { return ("", "must be an object {id, action}") }
                guard case .string(let action)? = object["action"], ["add", "remove"].contains(action) else {
                    return (".action", "must be \"add\" or \"remove\"")
                }
                return nil
            }
        ], takesHashedIdentifiers: true)
    /// A push-like contract whose device check depends on the channel's config, as Web Push origins do.
    static func devices(allowing origin: String) -> ChannelContract {
        ChannelContract(
            addressKind: "push_token", recipientFields: [.push],
            recipient: { recipient in
                for (index, device) in (recipient.push ?? []).enumerated() where device.platform == "web" {
                    guard let endpoint = device.endpoint, endpoint.hasPrefix(origin + "/") else {
                        return (".push[\(index)].endpoint", "must be on \(origin)")
                    }
                    guard device.keys?["auth"] != nil else { return (".push[\(index)].keys.auth", "is required") }
                }
                return nil
            })
    }
    let decoder = MessageDecoder(contracts: [
        "email": mail, "audience": audience, "webhook": ChannelContract(addressKind: "webhook"),
        "push": devices(allowing: "https://push.example"),
    ])

    private func decode(_ json: String) throws(IntakeError) -> Message {
        try decoder.decode(Array(json.utf8), fileName: "m.json")
    }

    private func assertRejected(_ json: String, _ code: IntakeError.Code, _ field: String?, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try decode(json)
            XCTFail("accepted: \(json)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(json): \(error)", file: file, line: line)
            XCTAssertEqual(error.field, field, "\(json): \(error)", file: file, line: line)
        }
    }

    func testAHeaderThePluginRefusesIsRejectedAtIntake() {
        assertRejected(
            #"{"channel":"email","to":{"email":"a@b.example"},"content":{"text":"hi"},"headers":{"Content-Disposition":"x"}}"#,
            .badValue, "headers.Content-Disposition")
        // The fallback channel's rules count too.
        assertRejected(
            #"{"channel":"webhook","fallback":["email"],"to":{"email":"a@b.example"},"content":{"text":"hi"},"headers":{"Content-ID":"x"}}"#,
            .badValue, "headers.Content-ID")
        // A channel without a header rule takes it.
        XCTAssertNoThrow(
            try decode(#"{"channel":"webhook","to":{"email":"a@b.example"},"content":{"text":"hi"},"headers":{"Content-ID":"x"}}"#))
    }

    func testEveryChannelOnTheRouteMustReachTheRecipient() {
        assertRejected(#"{"channel":"email","to":{"external_id":"u-1"},"content":{"text":"hi"}}"#, .missingField, "to")
        assertRejected(
            #"{"channel":"webhook","fallback":["email"],"to":{"external_id":"u-1"},"content":{"text":"hi"}}"#,
            .missingField, "to")
        XCTAssertNoThrow(try decode(#"{"channel":"webhook","to":{"external_id":"u-1"},"content":{"text":"hi"}}"#))
    }

    func testPluginFieldsAreValidatedByTheirOwnerAndUnknownElsewhere() throws {
        let good = try decode(#"{"channel":"audience","to":{"email":"a@b.example"},"audience":{"action":"add"}}"#)
        XCTAssertEqual(good.pluginFields["audience"], .object(["action": .string("add")]))
        XCTAssertNil(good.content, "an audience sync needs no content")
        assertRejected(
            #"{"channel":"audience","to":{"email":"a@b.example"},"audience":{"action":"delete"}}"#, .badValue,
            "audience.action")
        assertRejected(
            #"{"channel":"email","to":{"email":"a@b.example"},"content":{"text":"hi"},"audience":{"action":"add"}}"#,
            .unknownField, "audience")
        assertRejected(#"{"channel":"email","to":{"email":"a@b.example"},"content":{"text":"hi"},"audiense":{}}"#, .unknownField, "audiense")
        // A message whose route includes a channel that needs content must bring it.
        assertRejected(
            #"{"channel":"audience","fallback":["email"],"to":{"email":"a@b.example"},"audience":{"action":"add"}}"#,
            .missingField, "content")
    }

    func testThePluginChecksTheRecipientOnEveryChannelOfTheRoute() throws {
        let web = #"{"platform":"web","endpoint":"https://push.example/s/1","keys":{"p256dh":"BA","auth":"x1"}}"#
        let good = try decode(#"{"channel":"push","to":{"push":[\#(web)]},"content":{"text":"hi"}}"#)
        XCTAssertEqual(good.to.push?.first?.keys?["auth"], "x1")
        let stranger = #"{"platform":"web","endpoint":"https://evil.example/s/1","keys":{"auth":"x"}}"#
        assertRejected(
            #"{"channel":"push","to":{"push":[{"platform":"apns","token":"ab"},\#(stranger)]},"content":{"text":"hi"}}"#,
            .badValue, "to.push[1].endpoint")
        // Reaching push only as a fallback still needs a device push can use.
        assertRejected(
            #"{"channel":"email","fallback":["push"],"to":{"email":"a@b.example","push":[\#(stranger)]},"content":{"text":"hi"}}"#,
            .badValue, "to.push[0].endpoint")
        do {
            _ = try decode(#"{"channel":"push","to":{"push":[{"platform":"web","endpoint":"https://push.example/s"}]},"content":{"text":"hi"}}"#)
            XCTFail("a subscription without keys was accepted")
        } catch {
            XCTAssertEqual(error.field, "to.push[0].keys.auth")
            XCTAssertTrue(error.detail.hasPrefix("channel push: "), error.detail)
        }
    }

    func testTrustedDecodingKeepsPluginFieldsWithoutRunningRules() throws {
        let trusted = MessageDecoder(contracts: decoder.contracts, trusted: true)
        let message = try trusted.decode(
            Array(#"{"id":"x","channel":"audience","to":{"email":"a@b.example"},"audience":{"action":"add"}}"#.utf8),
            fileName: "x.json")
        XCTAssertEqual(message.pluginFields.keys.sorted(), ["audience"])
    }

    func testAHashedEmailPassesOnlyWhereEveryChannelOnTheRouteTakesHashes() throws {
        let hash = String(repeating: "0a", count: 32)
        let message = try decode(
            #"{"channel":"audience","to":{"email":"\#(hash)"},"audience":{"action":"add"}}"#)
        XCTAssertEqual(message.to.email, hash)
        assertRejected(#"{"channel":"email","to":{"email":"\#(hash)"},"content":{"text":"x"}}"#, .badValue, "to.email")
        assertRejected(
            #"{"channel":"audience","fallback":["email"],"to":{"email":"\#(hash)"},"audience":{"action":"add"},"content":{"text":"x"}}"#,
            .badValue, "to.email")
        assertRejected(#"{"channel":"audience","to":{"email":"\#(hash.dropLast())"},"audience":{"action":"add"}}"#, .badValue, "to.email")
    }

    func testAPluginsToFieldIsAnAddressOnlyWhereItsChannelIsOnTheRoute() throws {
        let chat = ChannelContract(
            addressKind: "chat", recipientExtensions: [
                MessageField(name: "chat", required: true) { value in
                    value["conversation"]?.stringValue == nil ? (".conversation", "is required") : nil
                }
            ])
        let decoder = MessageDecoder(contracts: ["chat": chat, "email": Self.mail])
        func decode(_ json: String) throws(IntakeError) -> Message { try decoder.decode(Array(json.utf8), fileName: "m.json") }
        let message = try decode(#"{"channel":"chat","to":{"chat":{"conversation":"c1"}},"content":{"text":"hi"}}"#)
        XCTAssertEqual(message.to.extensions["chat"], .object(["conversation": .string("c1")]), "an address on its own")
        let cases: [(String, String)] = [
            (#"{"channel":"chat","to":{"chat":{"session":"s"}},"content":{"text":"hi"}}"#, "to.chat.conversation"),
            (#"{"channel":"chat","to":{"email":"a@example.com"},"content":{"text":"hi"}}"#, "to.chat"),
            (#"{"channel":"email","to":{"email":"a@example.com","chat":{"conversation":"c"}},"content":{"text":"hi"}}"#, "to.chat"),
        ]
        for (json, field) in cases {
            XCTAssertThrowsError(try decode(json)) { error in XCTAssertEqual((error as? IntakeError)?.field, field, json) }
        }
    }
}
