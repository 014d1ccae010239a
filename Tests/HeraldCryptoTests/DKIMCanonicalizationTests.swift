import XCTest

@testable import HeraldCrypto

final class DKIMCanonicalizationTests: XCTestCase {
    private func header(_ text: String) -> String {
        String(decoding: DKIMCanonicalization.relaxedHeader(Array(text.utf8)[...]), as: UTF8.self)
    }

    private func body(_ text: String) -> String {
        String(decoding: DKIMCanonicalization.relaxedBody(Array(text.utf8)[...]), as: UTF8.self)
    }

    private func bodyHash(_ text: String) -> String {
        Base64.encode(Digest.sha256(DKIMCanonicalization.relaxedBody(Array(text.utf8)[...])))
    }

    /// RFC 6376 §3.4.5 example, one field at a time.
    func testRelaxedHeaderRFC6376Example() {
        XCTAssertEqual(header("A: X"), "a:X")
        XCTAssertEqual(header("B : Y\t\r\n\tZ  "), "b:Y Z")
    }

    func testRelaxedHeaderRules() {
        XCTAssertEqual(header("SUBJECT: Is dinner ready?"), "subject:Is dinner ready?", "name lowercased, value kept")
        XCTAssertEqual(header("Subject:   Is \t  dinner\r\n   ready?  \t"), "subject:Is dinner ready?")
        XCTAssertEqual(header("To:\t a@example.com"), "to:a@example.com", "WSP after the colon deleted")
        XCTAssertEqual(header("Subject \t: x"), "subject:x", "WSP before the colon deleted")
        XCTAssertEqual(header("X-Empty:   "), "x-empty:")
        XCTAssertEqual(header("X-Empty:"), "x-empty:")
        XCTAssertEqual(header("Subject: Grüße"), "subject:Grüße", "8-bit bytes pass through")
        XCTAssertEqual(header("Subject: a:b"), "subject:a:b", "only the first colon separates")
    }

    /// RFC 6376 §3.4.5 example body.
    func testRelaxedBodyRFC6376Example() {
        XCTAssertEqual(body(" C \r\nD \t E\r\n\r\n\r\n"), " C\r\nD E\r\n")
    }

    func testRelaxedBodyRules() {
        XCTAssertEqual(body(""), "")
        XCTAssertEqual(body("\r\n\r\n\r\n"), "", "only empty lines: empty")
        XCTAssertEqual(body(" \t\r\n\t\r\n"), "", "lines of WSP become empty, then trailing")
        XCTAssertEqual(body("abc"), "abc\r\n", "a final CRLF is added")
        XCTAssertEqual(body("abc  "), "abc\r\n", "trailing WSP on an unterminated last line")
        XCTAssertEqual(body("a\r\n\r\n \r\nb"), "a\r\n\r\n\r\nb\r\n", "inner empty lines stay")
        XCTAssertEqual(body("a\t\tb  c\r\n"), "a b c\r\n")
        XCTAssertEqual(body("  lead\r\n"), " lead\r\n", "leading WSP collapses, not removed")
        XCTAssertEqual(body("a\rb\nc\r\n"), "a\rb\nc\r\n", "bare CR and LF are ordinary bytes")
    }

    func testBodyHashes() {
        XCTAssertEqual(bodyHash(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        XCTAssertEqual(bodyHash("\r\n"), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        XCTAssertEqual(bodyHash("Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n"), RFC8463.bodyHash)
        XCTAssertEqual(
            bodyHash("Hi.\r\n\r\nWe lost the game. Are you hungry yet?  \r\n\r\nJoe.\r\n\r\n"), RFC8463.bodyHash)
    }

    func testSplitFindsFoldedFieldsAndBody() {
        let message = Array("From: a\r\nSubject: one\r\n two\r\n\tthree\r\nTo: b\r\n\r\nbody\r\n\r\nmore".utf8)
        let (fields, body) = DKIMCanonicalization.split(message)
        XCTAssertEqual(fields.map(\.name), ["from", "subject", "to"])
        XCTAssertEqual(String(decoding: fields[1].raw, as: UTF8.self), "Subject: one\r\n two\r\n\tthree")
        XCTAssertEqual(String(decoding: fields[2].raw, as: UTF8.self), "To: b")
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "body\r\n\r\nmore")
    }

    func testSplitEdgeCases() {
        var (fields, body) = DKIMCanonicalization.split(Array("From: a\r\nTo: b\r\n".utf8))
        XCTAssertEqual(fields.map { String(decoding: $0.raw, as: UTF8.self) }, ["From: a", "To: b"])
        XCTAssertTrue(body.isEmpty)
        (fields, body) = DKIMCanonicalization.split(Array("From: a\r\nTo: b".utf8))
        XCTAssertEqual(fields.map { String(decoding: $0.raw, as: UTF8.self) }, ["From: a", "To: b"])
        (fields, body) = DKIMCanonicalization.split(Array("From: a\r\n\r\n".utf8))
        XCTAssertEqual(fields.map(\.name), ["from"])
        XCTAssertTrue(body.isEmpty)
        (fields, body) = DKIMCanonicalization.split(Array("\r\nbody".utf8))
        XCTAssertTrue(fields.isEmpty)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "body")
        (fields, _) = DKIMCanonicalization.split(Array("no colon here\r\nFROM : a\r\n\r\n".utf8))
        XCTAssertEqual(fields.map(\.name), ["", "from"])
        (fields, _) = DKIMCanonicalization.split([])
        XCTAssertTrue(fields.isEmpty)
    }

    func testSelectionIsBottomUpAndOverSignedNamesContributeNothingExtra() throws {
        // Two Subject fields: the first h= entry takes the last one, the second takes the first, the third nothing.
        let signer = DKIMSigner(
            domain: "example.com", selector: "s", key: try DKIMKey(pem: RFC8463.ed25519PEM),
            headers: ["from", "subject"], overSign: ["subject"])
        let message = Array("From: a\r\nSubject: first\r\nSubject: second\r\n\r\n".utf8)
        let names = signer.signedNames(present: DKIMCanonicalization.split(message).headers)
        XCTAssertEqual(names, ["from", "subject", "subject", "subject"])
        // Reordering the two Subject fields must change the signature: selection order is part of the hash.
        let swapped = Array("From: a\r\nSubject: second\r\nSubject: first\r\n\r\n".utf8)
        XCTAssertNotEqual(signer.sign(message, time: 1), signer.sign(swapped, time: 1))
    }
}
