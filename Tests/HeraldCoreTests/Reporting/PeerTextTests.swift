import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class PeerTextTests: XCTestCase {
    let masked = PeerText(full: false)

    func testEmailAddressesAreMaskedWhereverTheyStand() {
        XCTAssertEqual(
            masked.clean("5.1.1 <ana@example.com>: Recipient address rejected", recipient: nil),
            "5.1.1 <a***@example.com>: Recipient address rejected")
        XCTAssertEqual(
            masked.clean(#"{"error":"bad","to":"Ana.Lee+x@mail.example.co.uk","cc":"b@c.io"}"#, recipient: nil),
            #"{"error":"bad","to":"A***@mail.example.co.uk","cc":"b***@c.io"}"#)
        XCTAssertEqual(masked.clean("queued as 4XyZ@ (no domain)", recipient: nil), "queued as 4XyZ@ (no domain)")
        XCTAssertEqual(PeerText(full: true).clean("<ana@example.com>", recipient: nil), "<ana@example.com>")
    }

    func testTheRecipientsOtherAddressesAreMaskedToo() {
        let recipient = Recipient(push: [PushDevice(platform: "apns", token: "a1b2c3d4e5f6")], phone: "+60123456789")
        let text = masked.clean("token a1b2c3d4e5f6 unregistered; sms to +60123456789 failed", recipient: recipient)
        XCTAssertFalse(text.contains("a1b2c3d4e5f6") || text.contains("+60123456789"), text)
    }

    func testASecretIsFoundByteForByteAnywhereAndOnlyWhole() {
        XCTAssertTrue(PeerText.quotes("abcdef", "abcdef"))
        XCTAssertTrue(PeerText.quotes("xxabcabcdefyy", "abcdef"))
        XCTAssertTrue(PeerText.quotes("ends with token", "token"))
        XCTAssertFalse(PeerText.quotes("abcde", "abcdef"))
        XCTAssertFalse(PeerText.quotes("abcdeX abcdeY", "abcdef"))
        XCTAssertFalse(PeerText.quotes("200", "a1b2c3d4e5f6"))
        XCTAssertTrue(PeerText.quotes("José é", "é é"), "bytes of non-ASCII text compare as bytes")
    }

    func testLongTextIsCutOnACharacterBoundary() {
        let text = String(repeating: "é", count: 400)
        let cut = masked.clean(text, recipient: nil)
        XCTAssertLessThanOrEqual(cut.utf8.count, PeerText.limit + "…".utf8.count)
        XCTAssertTrue(cut.hasSuffix("…"))
        XCTAssertEqual(Set(cut.dropLast()), ["é"])
    }

    func testOutcomesKeepTheirClass() {
        let outcome = masked.clean(
            .recipientInvalid(reply: Reply(code: "550", text: "<ana@example.com> unknown")), recipient: nil)
        XCTAssertEqual(outcome, .recipientInvalid(reply: Reply(code: "550", text: "<a***@example.com> unknown")))
    }
}
