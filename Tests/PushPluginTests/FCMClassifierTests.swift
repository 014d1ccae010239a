import HeraldPluginAPI
import HeraldTransport
import XCTest

@testable import PushPlugin

/// Every row of FCMClassifier's table, with FCM's own error bodies (PROTOCOLS §3.3).
final class FCMClassifierTests: XCTestCase {
    /// Google's error JSON, with an FcmError detail when `errorCode` is given.
    private static func error(_ code: Int, _ status: String, _ message: String, errorCode: String? = nil) -> String {
        let details = errorCode.map {
            #","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"\#($0)"}]"#
        }
        return #"{"error":{"code":\#(code),"message":"\#(message)","status":"\#(status)"\#(details ?? "")}}"#
    }

    private typealias Verdict = FCMClassifier.Verdict

    func testEveryRowOfTheTable() {
        let wait = Duration.seconds(60)
        let unregistered = Reply(code: "404", text: "UNREGISTERED: Requested entity was not found.")
        let invalidToken = Reply(
            code: "400", text: "INVALID_ARGUMENT: The registration token is not a valid FCM registration token")
        let cases: [(HTTPResponse, Verdict)] = [
            (
                FCMFixtures.response(
                    200, #"{"name":"projects/shop-prod/messages/0:1500415314455276%31bd1c9631bd1c96"}"#),
                .result(
                    .accepted(
                        providerID: "0:1500415314455276%31bd1c9631bd1c96",
                        reply: Reply(
                            code: "200", text: "projects/shop-prod/messages/0:1500415314455276%31bd1c9631bd1c96")))
            ),
            (
                FCMFixtures.response(
                    404, Self.error(404, "NOT_FOUND", "Requested entity was not found.", errorCode: "UNREGISTERED")),
                .result(.dead(reply: unregistered))
            ),
            (
                FCMFixtures.response(
                    400,
                    Self.error(
                        400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token",
                        errorCode: "INVALID_ARGUMENT")),
                .result(.dead(reply: invalidToken))
            ),
            (
                FCMFixtures.response(
                    403,
                    Self.error(
                        403, "PERMISSION_DENIED", "SenderId mismatch", errorCode: "SENDER_ID_MISMATCH")),
                .result(.dead(reply: Reply(code: "403", text: "SENDER_ID_MISMATCH: SenderId mismatch")))
            ),
            (
                FCMFixtures.response(
                    400,
                    Self.error(
                        400, "INVALID_ARGUMENT",
                        "Invalid value at 'message.data[0].value' (TYPE_STRING), 12", errorCode: "INVALID_ARGUMENT")),
                .result(
                    .failed(
                        .permanent(
                            reply: Reply(
                                code: "400",
                                text: "INVALID_ARGUMENT: Invalid value at 'message.data[0].value' (TYPE_STRING), 12"))))
            ),
            (
                FCMFixtures.response(400, Self.error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")),
                .result(
                    .failed(
                        .permanent(
                            reply: Reply(code: "400", text: "INVALID_ARGUMENT: Request contains an invalid argument.")))
                )
            ),
            (
                FCMFixtures.response(
                    429,
                    Self.error(
                        429, "RESOURCE_EXHAUSTED", "Sending limit exceeded for the message target",
                        errorCode: "QUOTA_EXCEEDED"),
                    retryAfter: wait),
                .result(
                    .failed(
                        .throttled(
                            reply: Reply(
                                code: "429", text: "QUOTA_EXCEEDED: Sending limit exceeded for the message target"),
                            retryAfter: wait)))
            ),
            (
                FCMFixtures.response(429, Self.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.")),
                .result(
                    .failed(
                        .throttled(
                            reply: Reply(code: "429", text: "RESOURCE_EXHAUSTED: Quota exceeded."), retryAfter: nil)))
            ),
            (
                FCMFixtures.response(
                    503, Self.error(503, "UNAVAILABLE", "The server is overloaded.", errorCode: "UNAVAILABLE"),
                    retryAfter: .seconds(10)),
                .result(
                    .failed(
                        .transient(
                            reply: Reply(code: "503", text: "UNAVAILABLE: The server is overloaded."),
                            retryAfter: .seconds(10))))
            ),
            (
                FCMFixtures.response(
                    500, Self.error(500, "INTERNAL", "An unknown internal error occurred.", errorCode: "INTERNAL")),
                .result(
                    .failed(
                        .transient(
                            reply: Reply(code: "500", text: "INTERNAL: An unknown internal error occurred."),
                            retryAfter: nil)))
            ),
            (
                FCMFixtures.response(502, "<html>Bad Gateway</html>"),
                .result(
                    .failed(.transient(reply: Reply(code: "502", text: "<html>Bad Gateway</html>"), retryAfter: nil)))
            ),
            (
                FCMFixtures.response(
                    400, Self.error(400, "INVALID_ARGUMENT", "No more information.", errorCode: "UNSPECIFIED_ERROR")),
                .result(
                    .failed(
                        .transient(
                            reply: Reply(code: "400", text: "UNSPECIFIED_ERROR: No more information."), retryAfter: nil)
                    ))
            ),
            (
                FCMFixtures.response(
                    401,
                    Self.error(
                        401, "UNAUTHENTICATED",
                        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
                    )),
                .unauthenticated(
                    Reply(
                        code: "401",
                        text:
                            "UNAUTHENTICATED: Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
                    ))
            ),
            (FCMFixtures.response(401, ""), .unauthenticated(Reply(code: "401", text: ""))),
            (
                FCMFixtures.response(
                    401,
                    Self.error(
                        401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service",
                        errorCode: "THIRD_PARTY_AUTH_ERROR")),
                .result(
                    .failed(
                        .credentialsInvalid(
                            reply: Reply(
                                code: "401", text: "THIRD_PARTY_AUTH_ERROR: Auth error from APNS or Web Push Service")))
                )
            ),
            (
                FCMFixtures.response(
                    403,
                    Self.error(
                        403, "PERMISSION_DENIED", "Permission 'cloudmessaging.messages.create' denied on resource")),
                .result(
                    .failed(
                        .credentialsInvalid(
                            reply: Reply(
                                code: "403",
                                text:
                                    "PERMISSION_DENIED: Permission 'cloudmessaging.messages.create' denied on resource")
                        )))
            ),
            // A 404 without UNREGISTERED is a wrong url or project: never a reason to drop the token.
            (
                FCMFixtures.response(404, Self.error(404, "NOT_FOUND", "Requested entity was not found.")),
                .result(
                    .failed(
                        .credentialsInvalid(
                            reply: Reply(code: "404", text: "NOT_FOUND: Requested entity was not found."))))
            ),
            (
                FCMFixtures.response(404, "Not Found"),
                .result(.failed(.credentialsInvalid(reply: Reply(code: "404", text: "Not Found"))))
            ),
            (
                FCMFixtures.response(413, "Request Entity Too Large"),
                .result(.failed(.permanent(reply: Reply(code: "413", text: "Request Entity Too Large"))))
            ),
        ]
        for (response, expected) in cases {
            XCTAssertEqual(
                FCMClassifier.classify(.success(response)), expected, String(decoding: response.body, as: UTF8.self))
        }
    }

    func testTransportErrors() {
        XCTAssertEqual(
            FCMClassifier.classify(.failure(TransportError(curlCode: 28, message: "Timeout was reached"))),
            .result(.failed(.transient(reply: Reply(code: "curl:28", text: "Timeout was reached"), retryAfter: nil))))
        XCTAssertEqual(
            FCMClassifier.classify(.failure(TransportError(curlCode: 60, message: "SSL peer certificate"))),
            .result(.failed(.credentialsInvalid(reply: Reply(code: "curl:60", text: "SSL peer certificate")))))
    }

    func testTheErrorCodeDecidesBeforeTheStatusAndTheStatusBeforeTheHTTPCode() {
        // UNREGISTERED under a status that alone would be something else.
        let body = Self.error(400, "INVALID_ARGUMENT", "x", errorCode: "UNREGISTERED")
        guard case .result(.dead) = FCMClassifier.classify(.success(FCMFixtures.response(400, body))) else {
            return XCTFail("errorCode first")
        }
        // An unknown errorCode falls back to the status, an unknown status to the HTTP code.
        let unknown = Self.error(503, "UNAVAILABLE", "x", errorCode: "SOMETHING_NEW")
        guard case .result(.failed(.transient)) = FCMClassifier.classify(.success(FCMFixtures.response(400, unknown)))
        else {
            return XCTFail("status next")
        }
        guard
            case .result(.failed(.throttled)) = FCMClassifier.classify(
                .success(FCMFixtures.response(429, Self.error(429, "NEW_STATUS", "x"))))
        else { return XCTFail("HTTP code last") }
    }

    func testLongMessagesAreShortened() {
        let body = Self.error(400, "INVALID_ARGUMENT", String(repeating: "a", count: 500))
        let verdict = FCMClassifier.classify(.success(FCMFixtures.response(400, body)))
        guard case .result(let result) = verdict else { return XCTFail() }
        XCTAssertLessThan(result.reply.text.count, 200)
    }
}
