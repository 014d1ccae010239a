import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import XCTest

@testable import HeraldHTTP

/// `/u/{token}` through the router: one-click POST suppresses, GET only shows the page, bad or oversized input is a
/// 4xx, and nothing sets cookies or redirects.
final class UnsubscribeRouteTests: XCTestCase {
    static let receipt = UnsubscribeReceipt(maskedRecipient: "a***@example.com", campaign: "cart-abandon")

    func service(_ unsubscriber: FakeUnsubscriber) -> HTTPService {
        HTTPService(
            host: "127.0.0.1", port: 0, unsubscriber: unsubscriber, registry: PrometheusCollectorRegistry(),
            ready: { true }, logger: Logger(label: "test"))
    }

    static let oneClick = ByteBuffer(string: "List-Unsubscribe=One-Click")
    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func testOneClickPostUnsubscribes() async throws {
        let fake = FakeUnsubscriber(known: ["good": Self.receipt])
        try await service(fake).makeApplication().test(.router) { client in
            let response = try await client.execute(
                uri: "/u/good", method: .post, headers: Self.formHeaders, body: Self.oneClick)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "text/plain; charset=utf-8")
            XCTAssertTrue(String(buffer: response.body).contains("a***@example.com"))
            XCTAssertNil(response.headers[.setCookie])
            XCTAssertNil(response.headers[.location])
        }
        XCTAssertEqual(fake.calls, [.unsubscribe("good")])
    }

    func testPostWithoutBodyIsAccepted() async throws {
        let fake = FakeUnsubscriber(known: ["good": Self.receipt])
        try await service(fake).makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/u/good", method: .post)
            XCTAssertEqual(response.status, .ok)
        }
        XCTAssertEqual(fake.unsubscribed, ["good"])
    }

    func testPostFromBrowserGetsAPage() async throws {
        let fake = FakeUnsubscriber(known: ["good": Self.receipt])
        try await service(fake).makeApplication().test(.router) { client in
            var headers = Self.formHeaders
            headers[.accept] = "text/html,application/xhtml+xml,*/*;q=0.8"
            let response = try await client.execute(
                uri: "/u/good", method: .post, headers: headers, body: Self.oneClick)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertTrue(String(buffer: response.body).contains("Unsubscribed"))
        }
    }

    func testBadTokenIs404NeverServerError() async throws {
        let fake = FakeUnsubscriber(known: ["good": Self.receipt])
        try await service(fake).makeApplication().test(.router) { client in
            for uri in ["/u/forged", "/u/%00%FF", "/u/a.b.c"] {
                let response = try await client.execute(uri: uri, method: .post, body: Self.oneClick)
                XCTAssertEqual(response.status, .notFound, uri)
                XCTAssertTrue(String(buffer: response.body).contains("not valid"), uri)
                let page = try await client.execute(uri: uri, method: .get)
                XCTAssertEqual(page.status, .notFound, uri)
            }
        }
    }

    func testOverlongTokenRefusedUnverified() async throws {
        let fake = FakeUnsubscriber(known: [:])
        let token = String(repeating: "x", count: HTTPRoutes.maxTokenLength + 1)
        try await service(fake).makeApplication().test(.router) { client in
            let post = try await client.execute(uri: "/u/\(token)", method: .post, body: Self.oneClick)
            XCTAssertEqual(post.status, .badRequest)
            let get = try await client.execute(uri: "/u/\(token)", method: .get)
            XCTAssertEqual(get.status, .badRequest)
        }
        XCTAssertEqual(fake.calls, [])
    }

    func testOversizedBodyRefusedBeforeUnsubscribing() async throws {
        let fake = FakeUnsubscriber(known: ["good": Self.receipt])
        let body = ByteBuffer(repeating: UInt8(ascii: "a"), count: HTTPRoutes.maxBodyBytes + 1)
        try await service(fake).makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/u/good", method: .post, body: body)
            XCTAssertEqual(response.status, .contentTooLarge)
        }
        XCTAssertEqual(fake.unsubscribed, [])
    }

    func testLiveServerOneClickAndOversizedBody() async throws {
        let fake = FakeUnsubscriber(known: ["good": Self.receipt])
        let body = ByteBuffer(repeating: UInt8(ascii: "a"), count: 64 * 1024)
        try await service(fake).makeApplication().test(.live) { client in
            let big = try await client.execute(uri: "/u/good", method: .post, headers: Self.formHeaders, body: body)
            XCTAssertEqual(big.status, .contentTooLarge)
        }
        try await service(fake).makeApplication().test(.live) { client in
            let response = try await client.execute(
                uri: "/u/good", method: .post, headers: Self.formHeaders, body: Self.oneClick)
            XCTAssertEqual(response.status, .ok)
        }
        XCTAssertEqual(fake.unsubscribed, ["good"])
    }

    func testGetShowsConfirmationAndNeverUnsubscribes() async throws {
        let fake = FakeUnsubscriber(known: ["good": Self.receipt])
        try await service(fake).makeApplication().test(.router) { client in
            for _ in 0..<3 {  // a link scanner may fetch it several times
                let response = try await client.execute(uri: "/u/good", method: .get)
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                XCTAssertEqual(response.headers[.cacheControl], "no-store")
                XCTAssertNil(response.headers[.setCookie])
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains(#"<meta name="robots" content="noindex">"#))
                XCTAssertTrue(html.contains(#"<form method="post">"#))
                XCTAssertTrue(html.contains(#"<input type="hidden" name="List-Unsubscribe" value="One-Click">"#))
                XCTAssertTrue(html.contains("a***@example.com"))
                XCTAssertFalse(html.contains("src="), "no external assets")
                XCTAssertFalse(html.contains("href="), "no links")
            }
        }
        XCTAssertEqual(fake.calls, Array(repeating: .peek("good"), count: 3))
    }

    func testPageEscapesWhatItShows() async throws {
        let hostile = UnsubscribeReceipt(maskedRecipient: "<script>x</script>\"><b>@e.example", campaign: "c")
        let fake = FakeUnsubscriber(known: ["t": hostile])
        try await service(fake).makeApplication().test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/u/t", method: .get).body)
            XCTAssertFalse(html.contains("<script>"))
            XCTAssertFalse(html.contains("<b>"))
            XCTAssertTrue(html.contains("&lt;script&gt;x&lt;/script&gt;&quot;&gt;&lt;b&gt;@e.example"))
        }
    }

    func testEscape() {
        XCTAssertEqual(UnsubscribePage.escape(#"a&b<c>"d'e"#), "a&amp;b&lt;c&gt;&quot;d&#39;e")
        XCTAssertEqual(UnsubscribePage.escape("ünï"), "ünï")
    }
}
