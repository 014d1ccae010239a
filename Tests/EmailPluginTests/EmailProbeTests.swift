import HeraldPluginAPI
import HeraldTransport
import Logging
import XCTest

@testable import EmailPlugin

/// `EmailProbe.result`'s table, one row per line, from recorded sessions; the live sessions are in
/// Tests/IntegrationTests/test_probe.py.
final class EmailProbeTests: XCTestCase {
    let context = PluginContext(channel: "email", logger: Logger(label: "test"), baseDirectory: "/tmp")

    func config(_ extra: [String: ConfigValue] = [:]) throws -> EmailConfig {
        let base: [String: ConfigValue] = [
            "url": .string("smtp://127.0.0.1:2525"), "from": .string("News <n@shop.example>"),
        ]
        return try EmailConfig(PluginConfig(values: base.merging(extra) { $1 }, scope: "c"), context: context)
    }

    let greeting = SMTPReply(code: 220, text: "mx ESMTP")
    let ehloAuth = SMTPReply(code: 250, text: "mx PIPELINING AUTH PLAIN LOGIN")
    let ehloPlain = SMTPReply(code: 250, text: "mx PIPELINING STARTTLS")
    let noop = SMTPReply(code: 250, text: "2.0.0 OK")
    let bye = SMTPReply(code: 221, text: "Bye")

    func testFailuresNameTheirStep() throws {
        let config = try config()
        let rows: [(TransportError, [SMTPReply], ProbeResult.Step)] = [
            (TransportError(curlCode: 6, message: "Could not resolve host"), [], .dns),
            (TransportError(curlCode: 7, message: "Couldn't connect"), [], .connect),
            (TransportError(curlCode: 28, message: "timed out"), [greeting], .timeout),
            (TransportError(curlCode: 60, message: "SSL certificate problem"), [greeting, ehloPlain], .tls),
            (TransportError(curlCode: 64, message: "STARTTLS denied"), [greeting, ehloPlain], .tls),
            (TransportError(curlCode: 67, message: "Login denied"), [greeting, ehloAuth, SMTPReply(code: 535, text: "5.7.8 no")], .auth),
            (TransportError(curlCode: 8, message: "Weird server reply"), [SMTPReply(code: 554, text: "go away")], .reply),
        ]
        for (error, replies, step) in rows {
            let result = EmailProbe.result(SMTPProbeResponse(replies: replies + [bye], error: error), config: config)
            XCTAssertEqual(result.status, .failed, "\(error)")
            XCTAssertEqual(result.step, step, "\(error)")
            XCTAssertEqual(result.target, "smtp://127.0.0.1:2525")
            XCTAssertTrue(result.reason.hasPrefix(error.description), result.reason)
            if let last = replies.last {
                XCTAssertTrue(result.reason.hasSuffix("the server said \(last)"), "the failing reply, not the 221")
            }
        }
    }

    func testAUsernameWithoutAuthIsAFailure() throws {
        let config = try config(["starttls": .string("none"), "username": .string("u"), "password": .string("p")])
        let unoffered = EmailProbe.result(SMTPProbeResponse(replies: [greeting, ehloPlain, noop, bye], error: nil), config: config)
        XCTAssertEqual(unoffered.label, "failed (auth)")
        XCTAssertTrue(unoffered.reason.contains("offered no AUTH"), unoffered.reason)
        let accepted = EmailProbe.result(
            SMTPProbeResponse(replies: [greeting, ehloAuth, SMTPReply(code: 235, text: "2.7.0 ok"), noop, bye], error: nil),
            config: config)
        XCTAssertEqual(accepted, .ok("smtp://127.0.0.1:2525", "greeting 220 mx ESMTP, no TLS (starttls = \"none\"), AUTH accepted, QUIT 221"))
    }

    func testOpportunisticSaysWhetherTLSHappened() throws {
        let config = try config(["starttls": .string("opportunistic")])
        let upgraded = EmailProbe.result(
            SMTPProbeResponse(replies: [greeting, ehloPlain, SMTPReply(code: 220, text: "go ahead"), ehloAuth, noop, bye], error: nil),
            config: config)
        XCTAssertEqual(upgraded.reason, "greeting 220 mx ESMTP, STARTTLS, QUIT 221")
        let clear = EmailProbe.result(SMTPProbeResponse(replies: [greeting, ehloAuth, noop], error: nil), config: config)
        XCTAssertEqual(clear.status, .ok)
        XCTAssertEqual(clear.reason, "greeting 220 mx ESMTP, no STARTTLS offered: clear text, closed")
    }

    func testTheProbeRequestCarriesTheChannelsSession() throws {
        let config = try config([
            "url": .string("smtps://relay.example:465"), "username": .string("u"), "password": .string("p"),
            "auth": .string("plain"), "timeout": .string("5m"),
        ])
        let request = EmailProbe.request(config)
        XCTAssertEqual(request.url, "smtps://relay.example:465/shop.example")
        XCTAssertEqual(request.tls, .required)
        XCTAssertEqual(request.username, "u")
        XCTAssertEqual(request.loginOptions, "AUTH=PLAIN")
        XCTAssertEqual(request.timeout, .seconds(30), "a probe waits at most 30 s")
    }
}
