import CCurl
import XCTest

@testable import HeraldTransport

/// What libcurl's multi handle refuses is reported with the option's name (STYLE 9), and the SMTP reply reader
/// that transactions and probes share.
final class CurlSetupTests: XCTestCase {
    func testARefusedMultiOptionIsATypedErrorNamingIt() throws {
        let multi = try XCTUnwrap(curl_multi_init())
        defer { curl_multi_cleanup(multi) }
        let options = CurlMultiOptions(multi: multi)
        XCTAssertNoThrow(try options.set(CURLMOPT_MAXCONNECTS, "CURLMOPT_MAXCONNECTS", 8))
        XCTAssertThrowsError(try options.set(CURLMoption(rawValue: 99_999), "CURLMOPT_NOT_AN_OPTION", 1)) { error in
            let setup = error as? CurlSetupError
            XCTAssertEqual(setup?.step, "CURLMOPT_NOT_AN_OPTION")
            XCTAssertEqual(setup?.code, Int(CURLM_UNKNOWN_OPTION.rawValue))
            XCTAssertEqual(setup?.transportError.code, "curl:2")
            XCTAssertTrue(setup?.transportError.message.contains("CURLMOPT_NOT_AN_OPTION") == true)
        }
    }

    func testTheSharedLoopIsSetUp() {
        guard case .success = CurlMultiLoop.shared else { return XCTFail("\(CurlMultiLoop.shared)") }
    }

    func testRepliesAreAssembledFromLines() {
        var reader = SMTPReplyReader()
        XCTAssertEqual(reader.feed("220 mx ESMTP\r\n"), [SMTPReply(code: 220, text: "mx ESMTP")])
        XCTAssertEqual(reader.feed("250-mx\r\n250-AUTH PLAIN\r\n"), [])
        XCTAssertEqual(reader.feed("250 STARTTLS\r\n"), [SMTPReply(code: 250, text: "mx AUTH PLAIN STARTTLS")])
        XCTAssertEqual(reader.feed("not a reply\r\n221\r\n"), [SMTPReply(code: 221, text: "")])
    }

    func testProbeResponseReading() {
        let replies = [
            SMTPReply(code: 220, text: "mx"), SMTPReply(code: 250, text: "mx STARTTLS"),
            SMTPReply(code: 220, text: "go ahead"), SMTPReply(code: 250, text: "mx AUTH=LOGIN"),
            SMTPReply(code: 235, text: "ok"), SMTPReply(code: 250, text: "ok"), SMTPReply(code: 221, text: "bye"),
        ]
        let response = SMTPProbeResponse(replies: replies, error: nil)
        XCTAssertTrue(response.startedTLS && response.offeredAuth && response.authenticated && response.quit)
        let plain = SMTPProbeResponse(replies: [replies[0], replies[1], replies[5]], error: nil)
        XCTAssertFalse(plain.startedTLS || plain.offeredAuth || plain.authenticated || plain.quit)
    }

    /// A probe against a refused port ends at the connect layer, through the real loop.
    func testProbeOfARefusedPort() async {
        let response = await SMTPClient.shared.probe(SMTPProbeRequest(url: "smtp://127.0.0.1:1/h.example", tls: .none))
        XCTAssertEqual(response.error?.code, "curl:7")
        XCTAssertEqual(response.error?.layer, .connect)
        XCTAssertEqual(response.replies, [])
    }
}
