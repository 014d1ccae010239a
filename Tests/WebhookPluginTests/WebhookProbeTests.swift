import HeraldPluginAPI
import HeraldTransport
import Logging
import XCTest

@testable import WebhookPlugin

/// `WebhookProbe`'s table, its targets and how they are shown; the live HEADs are in test_probe.py.
final class WebhookProbeTests: XCTestCase {
    let context = PluginContext(channel: "webhook", logger: Logger(label: "test"), baseDirectory: "/tmp")

    func testAnswersToHEAD() {
        let rows: [(Result<HTTPResponse, TransportError>, String)] = [
            (.success(HTTPResponse(status: 200)), "ok"), (.success(HTTPResponse(status: 204)), "ok"),
            (.success(HTTPResponse(status: 401)), "ok"), (.success(HTTPResponse(status: 404)), "ok"),
            (.success(HTTPResponse(status: 405)), "ok"), (.success(HTTPResponse(status: 501)), "ok"),
            (.success(HTTPResponse(status: 410)), "failed (reply)"),
            (.success(HTTPResponse(status: 500)), "failed (reply)"),
            (.success(HTTPResponse(status: 503)), "failed (reply)"),
            (.failure(TransportError(curlCode: 6, message: "Could not resolve host")), "failed (dns)"),
            (.failure(TransportError(curlCode: 7, message: "Couldn't connect")), "failed (connect)"),
            (.failure(TransportError(curlCode: 28, message: "timed out")), "failed (timeout)"),
            (.failure(TransportError(curlCode: 35, message: "handshake")), "failed (tls)"),
            (.failure(TransportError(curlCode: 60, message: "SSL certificate problem")), "failed (tls)"),
            (.failure(TransportError(curlCode: 1, message: "Unsupported protocol")), "failed (reply)"),
        ]
        for (answer, label) in rows {
            let result = WebhookProbe.result(name: "url", url: "https://h.example/x", answer)
            XCTAssertEqual(result.label, label, "\(answer)")
            XCTAssertEqual(result.target, "url https://h.example")
        }
    }

    func testTargetsAreTheURLThenEachEndpointByName() throws {
        let config = try WebhookConfig(
            PluginConfig(
                values: [
                    "url": .string("https://crm.example/hook"),
                    "endpoints": .table(["zeta": .string("http://z.example/"), "alpha": .string("https://a.example/")]),
                ], scope: "c"), context: context)
        XCTAssertEqual(WebhookProbe.targets(config).map(\.name), ["url", "endpoints.alpha", "endpoints.zeta"])
        let request = WebhookProbe.request(url: "https://a.example/", config: config)
        XCTAssertEqual(request.method, "HEAD")
        XCTAssertEqual(request.body, [])
        XCTAssertFalse(request.headers.contains { $0.lowercased().hasPrefix("webhook-") }, "nothing to sign, nothing to replay")
    }

    func testOriginHidesPathQueryAndUserInfo() {
        XCTAssertEqual(WebhookProbe.origin("https://hooks.example/services/T0/B0/secret?token=x"), "https://hooks.example")
        XCTAssertEqual(WebhookProbe.origin("http://user:pw@127.0.0.1:8080/h"), "http://127.0.0.1:8080")
        XCTAssertEqual(WebhookProbe.origin("https://[::1]:8443"), "https://[::1]:8443")
    }

    /// Every layer libcurl failures are sorted into has a probe step of the same name.
    func testEveryTransportLayerIsAProbeStep() {
        for layer in TransportError.Layer.allCases {
            XCTAssertNotNil(ProbeResult.Step(rawValue: layer.rawValue), layer.rawValue)
        }
    }

    func testResultLinesAreShortAndSingle() {
        let result = ProbeResult.failed("t", .reply, "first\nsecond " + String(repeating: "x", count: 400))
        XCTAssertEqual(result.reason.count, 300)
        XCTAssertFalse(result.reason.contains("\n"))
        XCTAssertEqual(result.description.prefix(22), "t: failed (reply): fir")
        XCTAssertEqual(ProbeResult(target: "x", status: .notProbed, reason: "none").label, "not probed")
    }
}
