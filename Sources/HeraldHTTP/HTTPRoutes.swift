import HeraldPluginAPI
import Hummingbird
import Logging
import Prometheus

/// The server's routes and what each answers; the handlers for `/u/{token}` are in `UnsubscribeRoutes.swift`.
/// Routes never answer 5xx for anything a client sent: a bad token is a 404, an oversized body a 413 (Hummingbird's
/// own answer when `collect(upTo:)` overflows), an overlong token a 400. Only `/readyz` uses 503, on purpose.
struct HTTPRoutes: Sendable {
    /// Request bodies past this are refused; a one-click POST carries `List-Unsubscribe=One-Click` (26 bytes).
    static let maxBodyBytes = 4 * 1024
    /// Tokens past this are refused before any verification work.
    static let maxTokenLength = 1_000
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    let unsubscriber: any Unsubscriber
    let registry: PrometheusCollectorRegistry
    let ready: @Sendable () -> Bool
    let logger: Logger
    /// Plugins' routes, each under its mount point.
    var pluginRoutes: [(mount: String, routes: PluginRoutes)] = []

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/u/{token}") { request, context in
            try await self.unsubscribe(request, context)
        }
        router.get("/u/{token}") { request, context in
            self.confirmationPage(request, context)
        }
        router.get("/metrics") { _, _ in
            self.metrics()
        }
        router.get("/healthz") { _, _ in
            Self.text(.ok, "ok\n")
        }
        router.get("/readyz") { _, _ in
            self.ready() ? Self.text(.ok, "ready\n") : Self.text(.serviceUnavailable, "not ready\n")
        }
        PluginRouteMount.mount(pluginRoutes, on: router)
        return router
    }

    func metrics() -> Response {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * 1024)
        registry.emit(into: &bytes)
        var headers = HTTPFields()
        headers[.contentType] = Self.prometheusContentType
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Responses

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        respond(status, contentType: "text/plain; charset=utf-8", body)
    }

    static func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var response = respond(status, contentType: "text/html; charset=utf-8", body)
        // The page loads nothing and posts only to itself (its `<meta name="referrer">` keeps the token in the
        // URL out of any Referer).
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return response
    }

    private static func respond(_ status: HTTPResponse.Status, contentType: String, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
