import HeraldTransport
import Synchronization
import XCTest

@testable import EmailPlugin

/// The fetcher's contract with a fake sender: a GET with the CA file and timeout, and only a 200 under 64 KiB is a
/// body; other statuses, transport failures and bodies the client may have cut short are failures in words.
final class WebhookFetcherTests: XCTestCase {
    /// The requests the fake sender was given.
    final class Seen: Sendable {
        let requests = Mutex<[HTTPRequest]>([])
    }

    func fetcher(_ answer: Result<HTTPResponse, TransportError>, seen: Seen = Seen()) -> WebhookFetcher {
        WebhookFetcher(caFile: "/etc/herald/ca.pem", timeout: .seconds(3)) { requests in
            seen.requests.withLock { $0 += requests }
            return requests.map { _ in answer }
        }
    }

    func testA200IsTheBody() async {
        let seen = Seen()
        let result = await fetcher(.success(HTTPResponse(status: 200, body: [1, 2, 3])), seen: seen).fetch("https://a/b.pem")
        XCTAssertEqual(try result.get(), [1, 2, 3])
        let request = seen.requests.withLock { $0.first }
        XCTAssertEqual(request?.url, "https://a/b.pem")
        XCTAssertEqual(request?.method, "GET")
        XCTAssertEqual(request?.caFile, "/etc/herald/ca.pem")
        XCTAssertEqual(request?.timeout, .seconds(3))
        XCTAssertEqual(request?.body, [])
    }

    func testEverythingElseFails() async {
        let cases: [(answer: Result<HTTPResponse, TransportError>, words: String)] = [
            (.success(HTTPResponse(status: 404)), "HTTP 404"),
            (.success(HTTPResponse(status: 301)), "HTTP 301"),
            (.success(HTTPResponse(status: 200, body: [UInt8](repeating: 0x41, count: 65_536))), "64 KiB"),
            (.failure(TransportError(curlCode: 60, message: "SSL certificate problem")), "curl:60"),
        ]
        for (answer, words) in cases {
            let result = await fetcher(answer).fetch("https://a/b.pem")
            guard case .failure(let error) = result else { return XCTFail("expected a failure for \(words)") }
            XCTAssertTrue(error.reason.contains(words), "\(error)")
        }
    }
}
