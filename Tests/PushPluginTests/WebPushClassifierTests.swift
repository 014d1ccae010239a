import HeraldPluginAPI
import HeraldTransport
import XCTest

@testable import PushPlugin

/// Every row of the Web Push reply table (WebPushClassifier's doc comment), and the provider's batch: refused
/// devices skipped, the rest sent in one call, results in item order.
final class WebPushClassifierTests: XCTestCase {
    private func response(
        _ status: Int, body: String = "", location: String? = nil, retryAfter: Duration? = nil
    ) -> Result<HTTPResponse, TransportError> {
        .success(
            HTTPResponse(
                status: status, headers: location.map { ["location": $0] } ?? [:], body: Array(body.utf8),
                retryAfter: retryAfter))
    }

    func testEveryRowOfTheReplyTable() {
        let location = "https://fcm.googleapis.com/fcm/send/abc:APA91b/m-0123"
        let cases: [(Result<HTTPResponse, TransportError>, DeviceResult, UInt)] = [
            (
                response(201, location: location),
                .accepted(providerID: "m-0123", reply: Reply(code: "201", text: "Created")), #line
            ),
            (
                response(201, location: "/m/42?x=1"),
                .accepted(providerID: "42", reply: Reply(code: "201", text: "Created")), #line
            ),
            (response(200), .accepted(providerID: nil, reply: Reply(code: "200", text: "OK")), #line),
            (
                response(202, location: "https://push.example/"),
                .accepted(providerID: nil, reply: Reply(code: "202", text: "Accepted")), #line
            ),
            (
                response(404, body: "Not Found\n<html>"),
                .dead(reply: Reply(code: "404", text: "Not Found")), #line
            ),
            (
                response(410, body: #"{"errno":106}"#),
                .dead(reply: Reply(code: "410", text: #"{"errno":106}"#)), #line
            ),
            (
                response(413), .failed(.permanent(reply: Reply(code: "413", text: "Content Too Large"))),
                #line
            ),
            (
                response(429, retryAfter: .seconds(30)),
                .failed(
                    .throttled(reply: Reply(code: "429", text: "Too Many Requests"), retryAfter: .seconds(30))
                ), #line
            ),
            (
                response(400, body: "bad crypto"),
                .failed(.credentialsInvalid(reply: Reply(code: "400", text: "bad crypto"))), #line
            ),
            (
                response(401),
                .failed(.credentialsInvalid(reply: Reply(code: "401", text: "Unauthorized"))), #line
            ),
            (
                response(403, body: #"{"reason":"BadJwtToken"}"#),
                .failed(.credentialsInvalid(reply: Reply(code: "403", text: #"{"reason":"BadJwtToken"}"#))),
                #line
            ),
            (
                response(500),
                .failed(
                    .transient(reply: Reply(code: "500", text: "Internal Server Error"), retryAfter: nil)),
                #line
            ),
            (
                response(503, retryAfter: .seconds(120)),
                .failed(
                    .transient(
                        reply: Reply(code: "503", text: "Service Unavailable"), retryAfter: .seconds(120))),
                #line
            ),
            (
                response(599), .failed(.transient(reply: Reply(code: "599", text: ""), retryAfter: nil)),
                #line
            ),
            (
                response(408),
                .failed(.transient(reply: Reply(code: "408", text: "Request Timeout"), retryAfter: nil)),
                #line
            ),
            (
                response(302, location: "https://elsewhere/"),
                .failed(.permanent(reply: Reply(code: "302", text: ""))), #line
            ),
            (response(422), .failed(.permanent(reply: Reply(code: "422", text: ""))), #line),
            (
                .failure(TransportError(curlCode: 28, message: "Timeout was reached")),
                .failed(
                    .transient(reply: Reply(code: "curl:28", text: "Timeout was reached"), retryAfter: nil)),
                #line
            ),
            (
                .failure(TransportError(curlCode: 7, message: "Couldn't connect to server")),
                .failed(
                    .transient(
                        reply: Reply(code: "curl:7", text: "Couldn't connect to server"), retryAfter: nil)),
                #line
            ),
            (
                .failure(TransportError(curlCode: 60, message: "SSL peer certificate was not OK")),
                .failed(
                    .credentialsInvalid(
                        reply: Reply(code: "curl:60", text: "SSL peer certificate was not OK"))), #line
            ),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(WebPushClassifier.classify(input), expected, line: line)
        }
    }

    func testTheReplyTextIsShort() {
        let result = WebPushClassifier.classify(
            response(500, body: String(repeating: "e", count: 5_000)))
        XCTAssertEqual(result.reply.text.utf8.count, 200)
    }

    func testABatchSendsOnceSkipsRefusedDevicesAndKeepsItemOrder() async throws {
        let sender = WebPushSender { request in
            request.url.hasSuffix("/gone")
                ? .success(HTTPResponse(status: 410))
                : .success(HTTPResponse(status: 201, headers: ["location": request.url + "/msg"]))
        }
        let provider = try WebPushProvider(
            settings: WebPushFixtures.settings(keyFile: try temporaryFile(WebPushFixtures.vapidPEM)),
            timeout: .seconds(5), connectTimeout: .seconds(2), sender: sender.function)
        XCTAssertEqual(provider.platform, "web")
        let browser = UserAgent()
        let items = [
            WebPushFixtures.item(endpoint: "https://fcm.googleapis.com/fcm/send/a", keys: browser),
            WebPushFixtures.item(endpoint: "https://evil.example/b", keys: browser),
            WebPushFixtures.item(
                endpoint: "https://updates.push.services.mozilla.com/wpush/v2/gone", keys: browser),
            WebPushFixtures.item(endpoint: "https://web.push.apple.com/c", keys: browser),
        ]
        let results = await provider.send(items)
        XCTAssertEqual(sender.sent.count, 1, "one call for the whole batch")
        XCTAssertEqual(
            sender.sent.first?.map(\.url), [items[0], items[2], items[3]].map { $0.device.endpoint! })
        XCTAssertEqual(results.count, 4)
        XCTAssertEqual(
            results[0], .accepted(providerID: "msg", reply: Reply(code: "201", text: "Created")))
        XCTAssertEqual(results[1].reply.code, "endpoint")
        XCTAssertEqual(results[2], .dead(reply: Reply(code: "410", text: "Gone")))
        XCTAssertEqual(
            results[3], .accepted(providerID: "msg", reply: Reply(code: "201", text: "Created")))
        let audiences = sender.sent.first?.compactMap { header("Authorization", in: $0) } ?? []
        XCTAssertEqual(Set(audiences).count, 3, "one VAPID token per push service")

        let none = await provider.send([])
        XCTAssertEqual(none, [])
        XCTAssertEqual(sender.sent.count, 1, "an empty batch sends nothing")
    }
}
