import HeraldCrypto
import HeraldPluginAPI
import Logging

/// The built-in mode's HTTP face, under `/chat/v1/` (`/chat/CHANNEL/v1/` beside other chat channels): the
/// visitor's event stream, acks, replies, the widget and the demo page. Every visitor request carries the
/// backend's signature (`VisitorSignature`); a bad, expired or missing one gets 403, logged with the visitor id
/// hashed. Pages of `allowed_origins` may call these cross-origin; others get 403.
struct ChatRoutes: Sendable {
    let channel: String
    let config: LiveChatConfig
    let hub: ChatHub
    let facts: FactSink
    let metrics: ChatMetrics
    let logger: Logger
    var signature: VisitorSignature { VisitorSignature(secret: config.visitorSecret) }

    var routes: PluginRoutes {
        var routes = [
            PluginRoute(.get, "v1/stream") { await self.stream($0) },
            PluginRoute(.post, "v1/ack", maxBody: 2048) { await self.ack($0) },
            PluginRoute(.post, "v1/reply", maxBody: 8192) { await self.reply($0) },
            PluginRoute(.options, "v1/ack") { self.preflight($0) },
            PluginRoute(.options, "v1/reply") { self.preflight($0) },
            PluginRoute(.get, "v1/widget.js") { _ in ChatWidget.script },
            // What a WebSocket upgrade that was refused (or a plain GET) gets: 403 for a bad signature.
            PluginRoute(.get, "v1/ws") { self.refusedUpgrade($0) },
        ]
        if config.demo { routes.append(PluginRoute(.get, "v1/demo") { self.demo($0) }) }
        return PluginRoutes(
            space: "chat", routes: routes, webSockets: [PluginWebSocketRoute("v1/ws") { await self.webSocket($0) }])
    }

    /// The same stream over a WebSocket: events as JSON texts, and the page's acks and replies as texts back
    /// (`{"type": "ack", "id": "…"}`, `{"type": "reply", "text": "…", "conversation": "…"}`), already signed for by
    /// the upgrade's query.
    /// A refused upgrade is logged and counted like any 403; the client gets the WebSocket library's 400 (a browser
    /// sees a failed connection either way), and the same URL fetched plainly says 403 and why.
    private func webSocket(_ request: PluginHTTPRequest) async -> PluginWebSocketSession? {
        guard cors(request) != nil else {
            _ = forbidden("origin not allowed", request)
            return nil
        }
        guard case .success(let visitor) = signedVisitor(query: request) else { return nil }
        guard let opened = hub.open(visitor: visitor, format: .webSocket) else {
            metrics.refused("max_streams")
            return nil
        }
        metrics.update(hub)
        await facts.report([.reachable(channel: channel, address: visitor)])
        let hub = hub
        let metrics = metrics
        return PluginWebSocketSession(
            outbound: opened.stream,
            inbound: { text in await self.received(text, from: visitor) },
            onClose: {
                opened.close()
                metrics.update(hub)
            })
    }

    private func received(_ text: String, from visitor: String) async {
        guard case .object(let body)? = try? JSONParser.parse(Array(text.utf8)) else { return }
        hub.touch(visitor: visitor)
        switch body["type"]?.stringValue {
        case "ack":
            if let id = body["id"]?.stringValue { hub.ack(visitor: visitor, messageID: id) }
            metrics.update(hub)
        case "reply":
            guard let reply = body["text"]?.stringValue, !reply.isEmpty, reply.count <= 2000 else { return }
            await facts.report([
                .reply(channel: channel, address: visitor, text: reply, conversation: body["conversation"]?.stringValue)
            ])
        default:
            return
        }
    }

    private func refusedUpgrade(_ request: PluginHTTPRequest) -> PluginHTTPResponse {
        guard cors(request) != nil else { return forbidden("origin not allowed", request) }
        if case .failure(let refusal) = signedVisitor(query: request) { return refusal.response }
        if hub.openStreams >= config.maxStreams {
            metrics.refused("max_streams")
            return .text(503, "too many open streams\n", headers: [("retry-after", "5")])
        }
        return .text(426, "a WebSocket upgrade is required here\n", headers: [("upgrade", "websocket")])
    }

    private func stream(_ request: PluginHTTPRequest) async -> PluginHTTPResponse {
        guard let cors = cors(request) else { return forbidden("origin not allowed", request) }
        let visitor: String
        switch signedVisitor(query: request) {
        case .success(let id): visitor = id
        case .failure(let refusal): return refusal.response
        }
        guard let opened = hub.open(visitor: visitor) else {
            metrics.refused("max_streams")
            return .text(503, "too many open streams\n", headers: cors + [("retry-after", "5")])
        }
        metrics.update(hub)
        // The visitor is here: whatever waited for them goes now.
        await facts.report([.reachable(channel: channel, address: visitor)])
        let close = opened.close
        let metrics = metrics
        let hub = hub
        return PluginHTTPResponse(
            status: 200,
            headers: cors + [
                ("content-type", "text/event-stream"), ("cache-control", "no-store"), ("x-accel-buffering", "no"),
            ],
            body: .stream(opened.stream, onClose: {
                close()
                metrics.update(hub)
            }))
    }

    private func ack(_ request: PluginHTTPRequest) async -> PluginHTTPResponse {
        guard let cors = cors(request) else { return forbidden("origin not allowed", request) }
        guard case .object(let body)? = try? JSONParser.parse(request.body) else {
            return .text(400, "a JSON object {visitor, exp, sig, id} is required\n", headers: cors)
        }
        switch signedVisitor(body: body, request) {
        case .failure(let refusal): return refusal.response
        case .success(let visitor):
            guard let id = body["id"]?.stringValue else { return .text(400, "id is required\n", headers: cors) }
            hub.touch(visitor: visitor)
            hub.ack(visitor: visitor, messageID: id)
            metrics.update(hub)
            // Idempotent: a second tab's ack, or a repeated one, is as good as the first.
            return PluginHTTPResponse(status: 204, headers: cors)
        }
    }

    private func reply(_ request: PluginHTTPRequest) async -> PluginHTTPResponse {
        guard let cors = cors(request) else { return forbidden("origin not allowed", request) }
        guard case .object(let body)? = try? JSONParser.parse(request.body) else {
            return .text(400, "a JSON object {visitor, exp, sig, text} is required\n", headers: cors)
        }
        switch signedVisitor(body: body, request) {
        case .failure(let refusal): return refusal.response
        case .success(let visitor):
            guard let text = body["text"]?.stringValue, !text.isEmpty, text.count <= 2000 else {
                return .text(400, "text is required, at most 2000 characters\n", headers: cors)
            }
            hub.touch(visitor: visitor)
            await facts.report([
                .reply(channel: channel, address: visitor, text: text, conversation: body["conversation"]?.stringValue)
            ])
            return PluginHTTPResponse(status: 204, headers: cors)
        }
    }

    private func preflight(_ request: PluginHTTPRequest) -> PluginHTTPResponse {
        guard let cors = cors(request) else { return forbidden("origin not allowed", request) }
        return PluginHTTPResponse(
            status: 204,
            headers: cors + [
                ("access-control-allow-methods", "POST"), ("access-control-allow-headers", "content-type"),
                ("access-control-max-age", "600"),
            ])
    }

    private func demo(_ request: PluginHTTPRequest) -> PluginHTTPResponse {
        let visitor = request.query["visitor"] ?? "demo-visitor"
        guard VisitorSignature.isVisitorID(visitor) else { return .text(400, "bad visitor id\n") }
        let exp = Clock.nowMillis() / 1000 + 3600
        let html = ChatWidget.demoPage(
            visitor: visitor, exp: exp, sig: signature.sign(visitor: visitor, exp: exp),
            webSocket: request.query["transport"] == "websocket")
        return PluginHTTPResponse(
            status: 200, headers: [("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store")],
            body: .bytes(Array(html.utf8)))
    }

    /// A request's refusal: the 403 to answer, already logged and counted.
    private struct Refusal: Error {
        var response: PluginHTTPResponse
    }

    /// The visitor that `visitor`, `exp` and `sig` prove, or the 403 for `request`.
    private func signedVisitor(_ request: PluginHTTPRequest, visitor: String?, exp: String?, sig: String?) -> Result<String, Refusal> {
        signature.verify(visitor: visitor, exp: exp, sig: sig, now: Clock.nowMillis()).mapError { failure in
            Refusal(response: forbidden(failure.rawValue, request, visitor: visitor))
        }
    }

    /// Signed in the query: the stream and the WebSocket upgrade.
    private func signedVisitor(query request: PluginHTTPRequest) -> Result<String, Refusal> {
        signedVisitor(request, visitor: request.query["visitor"], exp: request.query["exp"], sig: request.query["sig"])
    }

    /// Signed in the JSON body: acks and replies (`exp` as a number or a string).
    private func signedVisitor(body: [String: JSONValue], _ request: PluginHTTPRequest) -> Result<String, Refusal> {
        let exp = body["exp"].flatMap { value -> String? in
            if let text = value.stringValue { return text }
            if case .int(let number) = value { return String(number) }
            return nil
        }
        return signedVisitor(request, visitor: body["visitor"]?.stringValue, exp: exp, sig: body["sig"]?.stringValue)
    }

    /// The CORS headers for an allowed request; nil when its `Origin` is neither allowed nor the server's own.
    private func cors(_ request: PluginHTTPRequest) -> [(name: String, value: String)]? {
        guard let origin = request.header("origin")?.lowercased() else { return [] }
        let own = request.header("host").map { ["http://" + $0.lowercased(), "https://" + $0.lowercased()] } ?? []
        guard config.allowedOrigins.contains(origin) || own.contains(origin) else { return nil }
        return [("access-control-allow-origin", origin), ("vary", "Origin")]
    }

    private func forbidden(_ reason: String, _ request: PluginHTTPRequest, visitor: String? = nil) -> PluginHTTPResponse {
        metrics.refused(reason == "origin not allowed" ? "origin" : "signature")
        // The visitor id is a person's handle: only a short hash of it reaches the log.
        let who = visitor.map { " for visitor #" + Hex.lowercase(Digest.sha256(Array($0.utf8)).prefix(4)) } ?? ""
        logger.warning("chat channel \(channel): \(request.path) refused: \(reason)\(who)")
        return .text(403, "forbidden: \(reason)\n", headers: cors(request) ?? [])
    }
}
