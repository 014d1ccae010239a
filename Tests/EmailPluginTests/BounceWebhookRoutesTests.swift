import CryptoTestSupport
import HeraldCrypto
import HeraldPluginAPI
import XCTest

@testable import EmailPlugin

/// The routes end to end without a server: handlers called directly, a fake `fetch` serving a test certificate,
/// and a recorder standing in for the plugin's `report`. Checks the status-code table in `BounceWebhookRoutes`.
final class BounceWebhookRoutesTests: XCTestCase {
    /// What the handlers reported and which URLs they fetched.
    actor Recorder {
        var reports: [[ProviderEvent]] = []
        var fetched: [String] = []
        func report(_ events: [ProviderEvent]) { reports.append(events) }
        func fetch(_ url: String) { fetched.append(url) }
    }

    let snsSigner = TestKeyPair.rsa()
    let sendGridSigner = TestKeyPair.p256()
    let mailgunKey = "mailgun-signing-key"
    let now: Int64 = 1_760_000_000

    func settings(topics: Set<String> = [WebhookFixtures.topic], rule: SNSURLRule = .amazon) throws -> BounceWebhookSettings {
        var settings = try XCTUnwrap(
            try BounceWebhookSettings(
                config: PluginConfig(
                    values: [
                        "bounce_webhooks": .table([
                            "ses": .table(["topic_arns": .array(topics.map { .string($0) })]),
                            "sendgrid": .table(["public_key": .string(Base64.encode(sendGridSigner.subjectPublicKeyInfo))]),
                            "mailgun": .table(["signing_key": .string(mailgunKey)]),
                            "postmark": .table(["username": .string("herald"), "password": .string("pw")]),
                        ])
                    ], scope: "channel \"email\""),
                context: PluginContext(channel: "email", logger: .init(label: "test"), baseDirectory: "/tmp")))
        settings.ses?.urlRule = rule
        return settings
    }

    /// Routes whose fetch serves the SNS certificate at any `.pem` URL and answers `subscribe` for the rest.
    func routes(
        _ settings: BounceWebhookSettings, recorder: Recorder,
        subscribe: Result<[UInt8], WebhookFetchError> = .success(Array("<ConfirmSubscriptionResponse/>".utf8))
    ) -> [String: PluginRoute] {
        let certificate = Array(snsSigner.selfSignedCertificatePEM().utf8)
        let now = now
        let list = BounceWebhookRoutes.routes(
            settings, report: { await recorder.report($0) },
            fetch: { url in
                await recorder.fetch(url)
                return url.hasSuffix(".pem") ? .success(certificate) : subscribe
            },
            now: { now })
        return Dictionary(uniqueKeysWithValues: list.map { ($0.path, $0) })
    }

    func call(_ routes: [String: PluginRoute], _ path: String, _ body: [UInt8], headers: [(name: String, value: String)] = []) async -> Int {
        guard let route = routes[path] else {
            XCTFail("no route \(path)")
            return 0
        }
        return await route.handler(WebhookFixtures.post(path, body, headers: headers)).status
    }

    func testOnlyConfiguredProvidersGetRoutes() throws {
        var settings = try settings()
        let all = BounceWebhookRoutes.routes(settings, report: { _ in }, fetch: { _ in .failure(.init("unused")) })
        XCTAssertEqual(all.map(\.path), ["ses", "sendgrid", "mailgun", "postmark"])
        XCTAssertEqual(all.map(\.method), [.post, .post, .post, .post])
        XCTAssertEqual(all.map(\.maxBody), [256 << 10, 1 << 20, 256 << 10, 256 << 10])
        settings.ses = nil
        settings.mailgun = nil
        XCTAssertEqual(
            BounceWebhookRoutes.routes(settings, report: { _ in }, fetch: { _ in .failure(.init("unused")) }).map(\.path),
            ["sendgrid", "postmark"])
    }

    func testSNSNotificationsOfBothVersionsAreReportedAndTheCertificateCached() async throws {
        let recorder = Recorder()
        let routes = routes(try settings(), recorder: recorder)
        let message = WebhookFixtures.sesBounce(
            type: "Permanent", subtype: "General",
            recipients: [["emailAddress": "ana@example.com", "action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 unknown"]])
        for version in ["1", "2"] {
            let body = WebhookFixtures.sns(message: message, version: version, signer: snsSigner)
            let status = await call(routes, "ses", body, headers: [("x-amz-sns-message-type", "Notification")])
            XCTAssertEqual(status, 200, "version \(version)")
        }
        let reports = await recorder.reports
        XCTAssertEqual(reports.count, 2)
        XCTAssertEqual(
            reports.first,
            [ProviderEvent(
                kind: .bounced, hard: true, reason: "user_unknown", address: "ana@example.com", status: "5.1.1",
                diagnostic: "smtp; 550 5.1.1 unknown", originalMessageID: "<abc123@shop.example>", provider: "ses")])
        let fetched = await recorder.fetched
        XCTAssertEqual(fetched, [WebhookFixtures.certURL], "fetched once, then cached")
    }

    func testSNSRefusals() async throws {
        let recorder = Recorder()
        let routes = routes(try settings(), recorder: recorder)
        let evilCert = "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"
        let cases: [(String, [UInt8], [(name: String, value: String)], Int)] = [
            ("bad signature", WebhookFixtures.sns(message: "{}", signer: TestKeyPair.rsa()), [], 403),
            ("wrong cert host", WebhookFixtures.sns(message: "{}", certURL: evilCert, signer: snsSigner), [], 403),
            ("wrong topic", WebhookFixtures.sns(message: "{}", topic: "arn:aws:sns:us-east-1:666:x", signer: snsSigner), [], 403),
            ("header disagrees", WebhookFixtures.sns(message: "{}", signer: snsSigner), [("x-amz-sns-message-type", "SubscriptionConfirmation")], 400),
            ("not json", Array("{".utf8), [], 400),
            ("Message not json", WebhookFixtures.sns(message: "not json", signer: snsSigner), [], 400),
        ]
        for (name, body, headers, expected) in cases {
            let status = await call(routes, "ses", body, headers: headers)
            XCTAssertEqual(status, expected, name)
        }
        let reports = await recorder.reports
        XCTAssertEqual(reports, [])
        let fetched = await recorder.fetched
        XCTAssertFalse(fetched.contains(evilCert), "a disallowed certificate URL is never fetched")
    }

    func testAnExactCertHostListReplacesAmazons() async throws {
        let recorder = Recorder()
        let routes = routes(try settings(rule: .exact(["127.0.0.1"])), recorder: recorder)
        let local = WebhookFixtures.sns(message: "{}", certURL: "https://127.0.0.1:8443/cert.pem", signer: snsSigner)
        let status = await call(routes, "ses", local)
        XCTAssertEqual(status, 200)
        let amazon = await call(routes, "ses", WebhookFixtures.sns(message: "{}", signer: snsSigner))
        XCTAssertEqual(amazon, 403)
    }

    func testSubscriptionIsConfirmedByFetchingSubscribeURL() async throws {
        let recorder = Recorder()
        let routes = routes(try settings(), recorder: recorder)
        for version in ["1", "2"] {
            let body = WebhookFixtures.sns(type: "SubscriptionConfirmation", message: "confirm", version: version, signer: snsSigner)
            let status = await call(routes, "ses", body)
            XCTAssertEqual(status, 200)
        }
        let fetched = await recorder.fetched
        XCTAssertEqual(fetched, [WebhookFixtures.certURL, WebhookFixtures.subscribeURL, WebhookFixtures.subscribeURL])
        let unsubscribe = await call(routes, "ses", WebhookFixtures.sns(type: "UnsubscribeConfirmation", message: "bye", signer: snsSigner))
        XCTAssertEqual(unsubscribe, 200)
        let after = await recorder.fetched
        XCTAssertEqual(after.count, 3, "an unsubscribe confirmation fetches nothing")
        let reports = await recorder.reports
        XCTAssertEqual(reports, [])
    }

    func testSubscriptionRefusalsAndFailures() async throws {
        let failing = Recorder()
        let broken = routes(try settings(), recorder: failing, subscribe: .failure(.init("curl:7 connection refused")))
        let body = WebhookFixtures.sns(type: "SubscriptionConfirmation", message: "confirm", signer: snsSigner)
        let status = await call(broken, "ses", body)
        XCTAssertEqual(status, 502)

        let recorder = Recorder()
        let routes = routes(try settings(), recorder: recorder)
        // Signed properly, so the refusal is the host rule's, not the signature's.
        let evil = WebhookFixtures.sns(
            type: "SubscriptionConfirmation", message: "confirm", subscribeURL: "https://evil.example/?Action=Confirm",
            signer: snsSigner)
        let evilStatus = await call(routes, "ses", evil)
        XCTAssertEqual(evilStatus, 403)
        let other = WebhookFixtures.sns(
            type: "SubscriptionConfirmation", message: "confirm", topic: "arn:aws:sns:us-east-1:666:x", signer: snsSigner)
        let otherStatus = await call(routes, "ses", other)
        XCTAssertEqual(otherStatus, 403, "a topic Herald was not told about is never confirmed")
        let fetched = await recorder.fetched
        XCTAssertFalse(fetched.contains { $0.contains("evil") || $0.contains("666") })
    }

    func testSendGrid() async throws {
        let recorder = Recorder()
        let routes = routes(try settings(), recorder: recorder)
        let body = WebhookFixtures.json([
            ["email": "ana@example.com", "event": "spamreport", "timestamp": 1],
            ["email": "bo@example.com", "event": "delivered", "timestamp": 1],
        ])
        let good = await call(routes, "sendgrid", body, headers: WebhookFixtures.sendGridHeaders(body, timestamp: now, signer: sendGridSigner))
        XCTAssertEqual(good, 200)
        let stale = await call(routes, "sendgrid", body, headers: WebhookFixtures.sendGridHeaders(body, timestamp: now - 3600, signer: sendGridSigner))
        XCTAssertEqual(stale, 401)
        let forged = await call(routes, "sendgrid", body, headers: WebhookFixtures.sendGridHeaders(body, timestamp: now, signer: TestKeyPair.p256()))
        XCTAssertEqual(forged, 401)
        let junk = Array("[{".utf8)
        let malformed = await call(routes, "sendgrid", junk, headers: WebhookFixtures.sendGridHeaders(junk, timestamp: now, signer: sendGridSigner))
        XCTAssertEqual(malformed, 400)
        let reports = await recorder.reports
        XCTAssertEqual(reports.map { $0.map(\.address) }, [["ana@example.com"]])
        XCTAssertEqual(reports.first?.first?.kind, .complained)
    }

    func testMailgun() async throws {
        let recorder = Recorder()
        let routes = routes(try settings(), recorder: recorder)
        let body = WebhookFixtures.mailgun(["event": "complained", "recipient": "ana@example.com"], key: mailgunKey, timestamp: now)
        let first = await call(routes, "mailgun", body)
        XCTAssertEqual(first, 200)
        let replay = await call(routes, "mailgun", body)
        XCTAssertEqual(replay, 401)
        let opened = WebhookFixtures.mailgun(["event": "opened", "recipient": "ana@example.com"], key: mailgunKey, timestamp: now)
        let ignored = await call(routes, "mailgun", opened)
        XCTAssertEqual(ignored, 200, "an ignored event is still accepted, or Mailgun would retry it")
        let wrong = await call(routes, "mailgun", WebhookFixtures.mailgun(["event": "complained"], key: "other", timestamp: now))
        XCTAssertEqual(wrong, 401)
        let malformed = await call(routes, "mailgun", Array("nope".utf8))
        XCTAssertEqual(malformed, 400)
        let reports = await recorder.reports
        XCTAssertEqual(reports.map { $0.map(\.kind) }, [[.complained]])
    }

    func testPostmark() async throws {
        let recorder = Recorder()
        let routes = routes(try settings(), recorder: recorder)
        let body = WebhookFixtures.json(["RecordType": "Bounce", "TypeCode": 1, "Type": "HardBounce", "Email": "ana@example.com"])
        let good = await call(routes, "postmark", body, headers: [WebhookFixtures.basic("herald", "pw")])
        XCTAssertEqual(good, 200)
        let bad = await call(routes, "postmark", body, headers: [WebhookFixtures.basic("herald", "pW")])
        XCTAssertEqual(bad, 401)
        let none = await call(routes, "postmark", body)
        XCTAssertEqual(none, 401)
        let malformed = await call(routes, "postmark", Array("{".utf8), headers: [WebhookFixtures.basic("herald", "pw")])
        XCTAssertEqual(malformed, 400)
        let reports = await recorder.reports
        XCTAssertEqual(reports.map { $0.map(\.hard) }, [[true]])
    }

    func testErrorBodiesNeverCarryAnAddress() async throws {
        let routes = routes(try settings(), recorder: Recorder())
        let body = WebhookFixtures.json(["RecordType": "Bounce", "TypeCode": 1, "Email": "ana@example.com"])
        guard let route = routes["postmark"] else { return XCTFail("no route") }
        let response = await route.handler(WebhookFixtures.post("postmark", body, headers: [WebhookFixtures.basic("x", "y")]))
        guard case .bytes(let bytes) = response.body else { return XCTFail("streamed") }
        XCTAssertEqual(response.status, 401)
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("@"))
    }
}
