import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class MessageDecoderTests: XCTestCase {
    let decoder = MessageDecoder(channels: ["email", "webhook", "push"])

    private func decode(_ json: String, file: String = "m.json") throws(IntakeError) -> Message {
        try decoder.decode(Array(json.utf8), fileName: file)
    }

    func testDevicesAreAppTokensOrBrowserSubscriptions() throws {
        let message = try decode(
            #"{"channel":"push","to":{"push":[{"platform":"fcm","token":"f1"},{"platform":"web","endpoint":"https://fcm.googleapis.com/wp/x","keys":{"p256dh":"BCVx","auth":"BTBZ"}}]},"content":{"text":"hi"}}"#)
        XCTAssertEqual(
            message.to.push,
            [
                PushDevice(platform: "fcm", token: "f1"),
                PushDevice(
                    platform: "web", endpoint: "https://fcm.googleapis.com/wp/x", keys: ["p256dh": "BCVx", "auth": "BTBZ"]),
            ])
        XCTAssertEqual(message.to.push?.map(\.address), ["f1", "https://fcm.googleapis.com/wp/x"])
        let cases: [(String, IntakeError.Code, String)] = [
            (#"[{"platform":"web","keys":{"auth":"a"}}]"#, .missingField, "to.push[0].token"),
            (#"[{"platform":"web","endpoint":"https://a/b","keys":{"auth":1}}]"#, .wrongType, "to.push[0].keys.auth"),
            (#"[{"platform":"web","endpoint":"https://a/b","keys":{"auth":"a b"}}]"#, .badValue, "to.push[0].keys.auth"),
            (#"[{"platform":"web","endpoint":"https://a/b c"}]"#, .badValue, "to.push[0].endpoint"),
        ]
        for (devices, code, field) in cases {
            XCTAssertThrowsError(try decode(#"{"channel":"push","to":{"push":\#(devices)},"content":{"text":"hi"}}"#), devices) {
                XCTAssertEqual(($0 as? IntakeError)?.code, code, devices)
                XCTAssertEqual(($0 as? IntakeError)?.field, field, devices)
            }
        }
    }

    func testFullMessageDecodes() throws {
        let message = try decode(
            """
            {"id":"cart-7f3a","channel":"email","fallback":["push"],
             "to":{"email":"ana@example.com","name":"Ana","timezone":"Asia/Kuala_Lumpur",
                   "push":[{"platform":"apns","token":"abc"}],"visitor":"v-1","external_id":"u-42"},
             "campaign":"cart-abandon","stage":"acquisition","trigger":"cart_abandoned","category":"transactional",
             "template":"cart","data":{"first_name":"Ana","n":3},
             "not_before":"2026-11-23T10:00:00Z","expires_at":"2026-11-25T10:00:00+08:00","priority":"high",
             "headers":{"X-Campaign":"cart"}}
            """)
        XCTAssertEqual(message.id, "cart-7f3a")
        XCTAssertEqual(message.fallback, ["push"])
        XCTAssertEqual(message.to.push, [PushDevice(platform: "apns", token: "abc")])
        XCTAssertEqual(message.to.externalID, "u-42")
        XCTAssertEqual(message.category, .transactional)
        XCTAssertEqual(message.priority, .high)
        XCTAssertEqual(message.notBefore, Timestamp.parse("2026-11-23T10:00:00Z"))
        XCTAssertEqual(message.expiresAt, Timestamp.parse("2026-11-25T02:00:00Z"))
        XCTAssertEqual(message.metadata.expiresAt, message.expiresAt, "plugins see the expiry too")
        XCTAssertEqual(message.data, .object(["first_name": .string("Ana"), "n": .int(3)]))
        XCTAssertEqual(message.headers, ["X-Campaign": "cart"])
    }

    func testMissingIDIsDerivedFromFileNameAndContent() throws {
        let json = #"{"channel":"email","to":{"email":"a@b.example"},"content":{"text":"hi"}}"#
        let first = try decode(json, file: "order.42.json")
        let again = try decode(json, file: "order.42.json")
        XCTAssertEqual(first.id, again.id, "the same file must map to the same id, so a re-drop is a duplicate")
        XCTAssertTrue(first.id.hasPrefix("order_42-"), first.id)
        XCTAssertNotEqual(try decode(json.replacingOccurrences(of: "hi", with: "ho"), file: "order.42.json").id, first.id)
    }

    /// Each broken message with the error code and field its `.error.json` must name.
    func testRejections() {
        let base = #""channel":"email","to":{"email":"a@b.example"},"content":{"text":"hi"}"#
        let cases: [(String, IntakeError.Code, String?)] = [
            ("not json", .invalidJSON, nil),
            ("[1,2]", .notObject, nil),
            ("{\(base),\"colour\":1}", .unknownField, "colour"),
            (#"{"to":{"email":"a@b.example"},"content":{"text":"hi"}}"#, .missingField, "channel"),
            (#"{"channel":"email","content":{"text":"hi"}}"#, .missingField, "to"),
            (#"{"channel":"email","to":{},"content":{"text":"hi"}}"#, .missingField, "to"),
            (#"{"channel":"fax","to":{"email":"a@b.example"},"content":{"text":"hi"}}"#, .unknownChannel, "channel"),
            ("{\(base),\"fallback\":[\"push\",\"sms\"]}", .unknownChannel, "fallback[1]"),
            ("{\(base),\"not_before\":\"tomorrow\"}", .badTimestamp, "not_before"),
            ("{\(base),\"expires_at\":\"2026-02-30T00:00:00Z\"}", .badTimestamp, "expires_at"),
            ("{\(base),\"not_before\":\"2026-11-23T10:00:00Z\",\"expires_at\":\"2026-11-23T09:00:00Z\"}", .badValue, "expires_at"),
            ("{\(base),\"category\":\"promo\"}", .badValue, "category"),
            ("{\(base),\"stage\":\"upsell\"}", .badValue, "stage"),
            ("{\(base),\"priority\":\"urgent\"}", .badValue, "priority"),
            ("{\(base),\"id\":\"a.b\"}", .badValue, "id"),
            ("{\(base),\"campaign\":7}", .wrongType, "campaign"),
            ("{\(base),\"data\":\"x\"}", .wrongType, "data"),
            ("{\(base),\"headers\":{\"X-A\":\"b\\r\\nBcc: evil@example.com\"}}", .badValue, "headers.X-A"),
            ("{\(base),\"headers\":{\"X A\":\"x\"}}", .badValue, "headers.X A"),
            (#"{"channel":"email","to":{"email":"a@b.example","name":"Ana\r\nBcc: x"},"content":{"text":"hi"}}"#, .badValue, "to.name"),
            (#"{"channel":"email","to":{"email":"a@b.example\r\nRCPT TO:<x@y>"},"content":{"text":"hi"}}"#, .badValue, "to.email"),
            (#"{"channel":"email","to":{"email":"not-an-address"},"content":{"text":"hi"}}"#, .badValue, "to.email"),
            (#"{"channel":"email","to":{"email":"a@b.example","timezone":"Mars/Olympus"},"content":{"text":"hi"}}"#, .badValue, "to.timezone"),
            (#"{"channel":"email","to":{"email":"a@b.example","fax":"1"},"content":{"text":"hi"}}"#, .unknownField, "to.fax"),
            (#"{"channel":"email","to":{"push":[{"platform":"apns"}]},"content":{"text":"hi"}}"#, .missingField, "to.push[0].token"),
            (#"{"channel":"email","to":{"email":"a@b.example"},"template":"t","content":{"text":"hi"}}"#, .conflict, "content"),
            (#"{"channel":"email","to":{"email":"a@b.example"}}"#, .missingField, "content"),
            (#"{"channel":"email","to":{"email":"a@b.example"},"content":{"subject":"a\nb"}}"#, .badValue, "content.subject"),
            (#"{"channel":"email","channel":"push","to":{"email":"a@b.example"},"content":{"text":"hi"}}"#, .invalidJSON, nil),
            (#"{"channel":"email","to":{"email":"a@b.example"},"template":"../etc/passwd"}"#, .badValue, "template"),
        ]
        for (json, code, field) in cases {
            do {
                _ = try decode(json)
                XCTFail("accepted: \(json)")
            } catch {
                XCTAssertEqual(error.code, code, json)
                XCTAssertEqual(error.field, field, json)
                XCTAssertFalse(error.detail.isEmpty)
            }
        }
    }

    /// Of several unknown fields the first in alphabetical order is named, whatever order the file has them in.
    func testUnknownFieldIsTheFirstAlphabetically() {
        for json in [#"{"zeta":1,"alpha":2,"channel":"email"}"#, #"{"channel":"email","alpha":2,"zeta":1}"#] {
            XCTAssertThrowsError(try decode(json)) { error in
                XCTAssertEqual(
                    error as? IntakeError,
                    IntakeError(
                        .unknownField, field: "alpha",
                        "unknown field; known: campaign, category, channel, content, data, endpoint, expires_at, "
                            + "fallback, headers, id, not_before, priority, stage, template, to, trigger"))
            }
        }
        XCTAssertThrowsError(try decode(#"{"channel":"email","to":{"push":[{"platform":"a","token":"b","x":1}]}}"#)) {
            XCTAssertEqual(
                $0 as? IntakeError,
                IntakeError(.unknownField, field: "to.push[0].x", "unknown field; known: endpoint, keys, platform, token"))
        }
    }

    /// Labels count characters, not bytes, and refuse any C0 or C1 control character.
    func testLabels() throws {
        let base = #""channel":"email","to":{"email":"a@b.example"},"content":{"text":"hi"}"#
        let accented = String(repeating: "é", count: 200)
        XCTAssertEqual(try decode(#"{\#(base),"campaign":"\#(accented)"}"#).campaign, accented)
        for bad in [String(repeating: "é", count: 201), #"a\u0085b"#, #"a\u001fb"#] {
            XCTAssertThrowsError(try decode(#"{\#(base),"trigger":"\#(bad)"}"#)) {
                XCTAssertEqual(($0 as? IntakeError)?.field, "trigger")
            }
        }
        XCTAssertEqual(try decode(#"{\#(base),"endpoint":"a\u00a0b"}"#).endpoint, "a\u{A0}b")
    }

    func testNonUTF8IsInvalidJSON() {
        XCTAssertThrowsError(try decoder.decode([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], fileName: "x.json"))
    }
}
