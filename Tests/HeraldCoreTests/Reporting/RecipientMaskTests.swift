import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class RecipientMaskTests: XCTestCase {
    func testMasksKeepOneCharacterBeforeTheAtAndFourOtherwise() {
        XCTAssertEqual(RecipientMask.mask("ana@example.com"), "a***@example.com")
        XCTAssertEqual(RecipientMask.mask("élodie@example.fr"), "é***@example.fr", "a multi-byte first character stays whole")
        XCTAssertEqual(RecipientMask.mask("@example.com"), "***@example.com")
        XCTAssertEqual(RecipientMask.mask("u-4242"), "u-42***")
        XCTAssertEqual(RecipientMask.mask("ab"), "ab***")
        XCTAssertEqual(RecipientMask.mask("токен123"), "токе***")
        XCTAssertEqual(RecipientMask(full: true).display(Recipient(email: "ana@example.com")), "ana@example.com")
        XCTAssertEqual(RecipientMask(full: false).display(Recipient(externalID: "u-4242")), "u-42***")
    }

    func testDomainOfAnAddressIsLowerCased() {
        XCTAssertEqual(QueueStore.domain(of: "Ana@GMail.COM"), "gmail.com")
        XCTAssertEqual(QueueStore.domain(of: "a@b@example.org"), "example.org")
        XCTAssertNil(QueueStore.domain(of: "ana@"))
        XCTAssertNil(QueueStore.domain(of: "no-at-sign"))
    }
}
