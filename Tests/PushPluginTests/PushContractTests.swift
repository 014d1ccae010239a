import HeraldCore
import HeraldCrypto
import HeraldPluginAPI
import XCTest

@testable import PushPlugin

/// What intake refuses for a push channel, with the field named: devices of the wrong shape, Web Push endpoints
/// off the allowed services, a bad `push` object; and how deliveries are keyed for dead-destination backoff.
final class PushContractTests: XCTestCase {
    let origins = (try? WebPushOrigins(WebPushOrigins.defaults + ["https://127.0.0.1:8443"])) ?? WebPushOrigins.empty
    lazy var decoder = MessageDecoder(contracts: ["push": PushContract.contract(origins: origins)])

    let p256dh = Base64.encode([4] + [UInt8](repeating: 7, count: 64), urlSafe: true, padded: false)
    let auth = Base64.encode([UInt8](repeating: 9, count: 16), urlSafe: true, padded: false)

    private func decode(devices: String, push: String? = nil) throws(IntakeError) -> Message {
        let extra = push.map { #","push":\#($0)"# } ?? ""
        let json = #"{"channel":"push","to":{"push":\#(devices)},"content":{"title":"Hi","body":"Back in stock"}\#(extra)}"#
        return try decoder.decode(Array(json.utf8), fileName: "m.json")
    }

    private func web(_ endpoint: String, p256dh: String? = nil, auth: String? = nil) -> String {
        #"{"platform":"web","endpoint":"\#(endpoint)","keys":{"p256dh":"\#(p256dh ?? self.p256dh)","auth":"\#(auth ?? self.auth)"}}"#
    }

    private func assertRejected(devices: String, push: String? = nil, _ field: String, line: UInt = #line) {
        XCTAssertThrowsError(try decode(devices: devices, push: push), line: line) {
            XCTAssertEqual(($0 as? IntakeError)?.field, field, "\($0)", line: line)
        }
    }

    func testGoodDevicesOfEveryPlatformPass() throws {
        let message = try decode(
            devices: #"[{"platform":"apns","token":"00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0"},{"platform":"fcm","token":"fGx:APA91b-x_y"},\#(web("https://fcm.googleapis.com/fcm/send/x"))]"#,
            push: #"{"badge":3,"sound":"default","collapse_id":"cart","custom":{"deeplink":"app://cart"},"content_available":false}"#)
        XCTAssertEqual(message.to.push?.count, 3)
        XCTAssertNotNil(message.pluginFields["push"])
    }

    func testBadDevicesAreRefusedWithTheFieldNamed() {
        assertRejected(devices: #"[{"platform":"apns","token":"xyz"}]"#, "to.push[0].token")
        assertRejected(devices: #"[{"platform":"apns","token":"abc"}]"#, "to.push[0].token")
        assertRejected(devices: #"[{"platform":"apns","endpoint":"https://a/b"}]"#, "to.push[0].token")
        assertRejected(devices: #"[{"platform":"huawei","token":"ab"}]"#, "to.push[0].platform")
        assertRejected(devices: "[\(web("https://evil.example/wp/1"))]", "to.push[0].endpoint")
        assertRejected(devices: "[\(web("http://fcm.googleapis.com/x"))]", "to.push[0].endpoint")
        assertRejected(devices: "[\(web("https://fcm.googleapis.com/x", p256dh: "AAAA"))]", "to.push[0].keys.p256dh")
        assertRejected(devices: "[\(web("https://fcm.googleapis.com/x", auth: "AAAA"))]", "to.push[0].keys.auth")
        assertRejected(devices: #"[{"platform":"web","endpoint":"https://fcm.googleapis.com/x"}]"#, "to.push[0].keys.p256dh")
        // The first bad device of several is the one named.
        assertRejected(devices: #"[{"platform":"fcm","token":"ok"},\#(web("https://127.0.0.2:8443/x"))]"#, "to.push[1].endpoint")
    }

    func testThePushObjectIsCheckedMemberByMember() {
        let good = #"[{"platform":"fcm","token":"t"}]"#
        let cases = [
            (#"{"badge":-1}"#, "push.badge"), (#"{"badge":"1"}"#, "push.badge"), (#"{"image":"http://x/i.png"}"#, "push.image"),
            (#"{"collapse_id":"\#(String(repeating: "c", count: 65))"}"#, "push.collapse_id"),
            (#"{"custom":{"n":1}}"#, "push.custom.n"), (#"{"custom":{"aps":"x"}}"#, "push.custom.aps"),
            (#"{"data":{}}"#, "push.data"), (#"[1]"#, "push"), (#"{"content_available":1}"#, "push.content_available"),
        ]
        for (push, field) in cases { assertRejected(devices: good, push: push, field) }
    }

    func testTheDestinationIsThePushServicesOfTheDevices() throws {
        let message = try decode(
            devices: #"[{"platform":"apns","token":"ab"},\#(web("https://127.0.0.1:8443/wp/1")),\#(web("https://127.0.0.1:8443/wp/2"))]"#)
        XCTAssertEqual(PushContract.destination(message.to, origins: origins), "apns+https://127.0.0.1:8443")
        XCTAssertEqual(
            PushContract.destination(Recipient(push: [PushDevice(platform: "fcm", token: "t")]), origins: origins), "fcm")
    }

    func testTheChannelsOwnOriginsDecide() {
        let config = PluginConfig(
            values: ["webpush": .table(["allowed_origins": .array([.string("push.example")])])], scope: "channel")
        let own = PushContract.origins(config)
        XCTAssertNotNil(own.origin(of: "https://push.example/x"))
        XCTAssertNil(own.origin(of: "https://fcm.googleapis.com/x"), "an explicit list replaces the defaults")
        XCTAssertNotNil(PushContract.origins(PluginConfig(values: [:], scope: "c")).origin(of: "https://web.push.apple.com/x"))
        XCTAssertEqual(WebPushOrigins.standard.entries, WebPushOrigins.defaults)
    }
}
