import HeraldTransport
import XCTest

final class HTTPClientTests: XCTestCase {
    /// Nothing listens on port 1 of loopback: the client must answer with libcurl's connect error, not hang or throw.
    func testConnectionRefusedIsATransportError() async {
        let result = await HTTPClient.shared.send(
            HTTPRequest(url: "http://127.0.0.1:1/", body: Array("{}".utf8), timeout: .seconds(5)))
        guard case .failure(let error) = result else { return XCTFail("expected a failure, got \(result)") }
        XCTAssertEqual(error.code, "curl:7")
        XCTAssertFalse(error.isCertificateProblem)
    }

    func testMalformedURLFails() async {
        let result = await HTTPClient.shared.send(HTTPRequest(url: "gopher://127.0.0.1:1/", timeout: .seconds(2)))
        guard case .failure(let error) = result else { return XCTFail("expected a failure") }
        XCTAssertEqual(error.code, "curl:1", "protocols other than http(s) are refused: \(error)")
    }
}
