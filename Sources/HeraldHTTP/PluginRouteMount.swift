import HTTPTypes
import Hummingbird
import HeraldPluginAPI
import Logging
import ServiceLifecycle

/// Mounts plugins' routes (`PluginRoutes`) on the server's router: translates a Hummingbird request into a
/// `PluginHTTPRequest` (body bounded by the route's `maxBody`, 413 past it) and the plugin's answer back, writing
/// a streamed body chunk by chunk and telling the plugin when it ends (`onClose`, also at shutdown, which ends
/// the plugin's stream; it may be called twice).
enum PluginRouteMount {
    static func mount(_ mounts: [(mount: String, routes: PluginRoutes)], on router: Router<BasicRequestContext>) {
        for (base, routes) in mounts {
            for route in routes.routes {
                let path = base + "/" + route.path
                router.on(RouterPath(path), method: HTTPRequest.Method(rawValue: route.method.rawValue) ?? .get) {
                    request, context in
                    try await answer(request, route: route)
                }
            }
        }
    }

    static func answer(_ request: Request, route: PluginRoute) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: route.maxBody)
        } catch {
            return Response(status: .contentTooLarge)
        }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters {
            query[String(name).removingPercentEncoding ?? String(name)] = String(value).removingPercentEncoding ?? String(value)
        }
        var headers = request.headers.map { (name: $0.name.canonicalName.lowercased(), value: $0.value) }
        // HTTP types keep `Host` as the request's authority, not as a header field.
        if let authority = request.head.authority, !headers.contains(where: { $0.name == "host" }) {
            headers.append((name: "host", value: authority))
        }
        let answer = await route.handler(
            PluginHTTPRequest(
                method: route.method, path: request.uri.path, query: query, headers: headers,
                body: Array(buffer: body)))
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let status = HTTPResponse.Status(code: answer.status)
        switch answer.body {
        case .bytes(let bytes):
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let chunks, let onClose):
            return Response(
                status: status, headers: fields,
                body: ResponseBody { writer in
                    defer { onClose() }
                    // A stream ends at shutdown, or the server would wait for every open one to notice its client
                    // gone; a write to a client that left ends it too.
                    try? await withGracefulShutdownHandler {
                        for await chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
                    } onGracefulShutdown: {
                        onClose()
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
