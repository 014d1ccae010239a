import HeraldPluginAPI
import HeraldTransport
import XCTest

@testable import PushPlugin

/// The provider over a fake sender: one token for a batch, all requests in one send, results in order, and the
/// UNAUTHENTICATED rule (refresh once, then credentials invalid).
final class FCMProviderTests: XCTestCase {
    private static let sent = #"{"name":"projects/shop-prod/messages/0:42"}"#
    private static let unauthenticated =
        #"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#
    private static let unregistered =
        #"{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}"#

    private func settings() throws -> FCMSettings {
        let context = PluginContext(channel: "push", logger: .init(label: "test"), baseDirectory: "/etc/herald")
        return try FCMSettings(
            PluginConfig(values: ["service_account_file": .string("firebase.json")], scope: "channel \"push\""),
            context: context)
    }

    /// Token requests get ya29.1, ya29.2, …; FCM requests get `fcm(token, request)`.
    private func sender(_ fcm: @escaping @Sendable (String, HTTPRequest) -> HTTPResponse) -> FCMFakeSender {
        let counter = FCMCounter()
        return FCMFakeSender { request in
            if request.url.hasSuffix("/token") { return .success(FCMFixtures.tokenAnswer("ya29.\(counter.next())")) }
            let token = String(request.fcmHeader("Authorization")?.dropFirst("Bearer ".count) ?? "")
            return .success(fcm(token, request))
        }
    }

    private func provider(_ sender: FCMFakeSender) throws -> FCMProvider {
        FCMProvider(
            account: try FCMFixtures.account(), settings: try settings(), timeout: .seconds(15),
            connectTimeout: .seconds(5), clock: FCMFakeClock().function, send: sender.function)
    }

    func testABatchGetsOneTokenAndOneSendWithResultsInOrder() async throws {
        let sender = sender { _, request in
            request.fcmBodyText.contains("dead-token")
                ? FCMFixtures.response(404, Self.unregistered) : FCMFixtures.response(200, Self.sent)
        }
        let provider = try provider(sender)
        XCTAssertEqual(provider.platform, "fcm")
        let items = [
            FCMRequestTests.item(token: "good-1"), FCMRequestTests.item(token: "dead-token"),
            FCMRequestTests.item(token: "good-2", content: RenderedContent(body: String(repeating: "x", count: 5000))),
            FCMRequestTests.item(token: "good-3"),
        ]
        let results = await provider.send(items)
        XCTAssertEqual(results.count, 4)
        XCTAssertEqual(
            results[0],
            .accepted(providerID: "0:42", reply: Reply(code: "200", text: "projects/shop-prod/messages/0:42")))
        XCTAssertEqual(
            results[1], .dead(reply: Reply(code: "404", text: "UNREGISTERED: Requested entity was not found.")))
        guard case .failed(.permanent) = results[2] else { return XCTFail("oversize: \(results[2])") }
        guard case .accepted = results[3] else { return XCTFail("\(results[3])") }
        fcmAssertEqual(await sender.tokenRequests.count, 1)
        fcmAssertEqual(await sender.fcmRequests.count, 3, "the oversize message is never sent")
        fcmAssertEqual(
            await sender.fcmRequests.first?.url, "https://fcm.googleapis.com/v1/projects/shop-prod/messages:send")
        for result in results {
            XCTAssertFalse(result.reply.text.contains("good-") || result.reply.text.contains("dead-token"))
        }
        // The next batch reuses the cached token.
        _ = await provider.send([FCMRequestTests.item()])
        fcmAssertEqual(await sender.tokenRequests.count, 1)
    }

    func testUnauthenticatedRefreshesOnceThenIsCredentialsInvalid() async throws {
        let sender = sender { _, _ in FCMFixtures.response(401, Self.unauthenticated) }
        let provider = try provider(sender)
        let first = await provider.send([FCMRequestTests.item(token: "a"), FCMRequestTests.item(token: "b")])
        for result in first {
            guard case .failed(.transient(_, retryAfter: .zero?)) = result else { return XCTFail("\(result)") }
        }
        XCTAssertEqual(first[0].reply.code, "401")
        let second = await provider.send([FCMRequestTests.item()])
        guard case .failed(.credentialsInvalid(let reply)) = second[0] else { return XCTFail("\(second)") }
        XCTAssertTrue(reply.text.hasPrefix("UNAUTHENTICATED: "), reply.text)
        fcmAssertEqual(await sender.tokenRequests.count, 2, "one refresh for the whole first batch")
    }

    func testAnExpiredTokenRefusedOnceRecovers() async throws {
        // ya29.1 is refused (revoked early); ya29.2 works.
        let sender = sender { token, _ in
            token == "ya29.1" ? FCMFixtures.response(401, Self.unauthenticated) : FCMFixtures.response(200, Self.sent)
        }
        let provider = try provider(sender)
        guard case .failed(.transient) = await provider.send([FCMRequestTests.item()])[0] else { return XCTFail() }
        guard case .accepted = await provider.send([FCMRequestTests.item()])[0] else { return XCTFail() }
        fcmAssertEqual(await sender.tokenRequests.count, 2)
    }

    func testATokenFailureIsEveryDevicesOutcome() async throws {
        let sender = FCMFakeSender { request in
            request.url.hasSuffix("/token")
                ? .success(
                    FCMFixtures.response(
                        400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#))
                : .success(FCMFixtures.response(200, Self.sent))
        }
        let results = try await provider(sender).send([FCMRequestTests.item(), FCMRequestTests.item(token: "t2")])
        let expected = DeviceResult.failed(
            .credentialsInvalid(
                reply: Reply(code: "400", text: "token endpoint: invalid_grant: Invalid JWT Signature.")))
        XCTAssertEqual(results, [expected, expected])
        fcmAssertEqual(await sender.fcmRequests.count, 0)
    }

    func testABatchOfOnlyOversizeMessagesNeedsNoToken() async throws {
        let sender = sender { _, _ in FCMFixtures.response(200, Self.sent) }
        let big = FCMRequestTests.item(content: RenderedContent(body: String(repeating: "x", count: 5000)))
        let results = try await provider(sender).send([big])
        guard case .failed(.permanent) = results[0] else { return XCTFail("\(results)") }
        fcmAssertEqual(await sender.requests.count, 0)
    }
}
