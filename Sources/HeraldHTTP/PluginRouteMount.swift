import HTTPTypes
import Hummingbird
import HummingbirdCore
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

    /// The query's parameters, percent-decoded, the last value of each name.
    static func query(_ uri: URI) -> [String: String] {
        var query: [String: String] = [:]
        for (name, value) in uri.queryParameters {
            query[String(name).removingPercentEncoding ?? String(name)] = String(value).removingPercentEncoding ?? String(value)
        }
        return query
    }

    /// The header fields, names lower-cased, and `host`: HTTP types keep it as the request's authority.
    static func headers(_ head: HTTPRequest) -> [(name: String, value: String)] {
        var headers = head.headerFields.map { (name: $0.name.canonicalName.lowercased(), value: $0.value) }
        if let authority = head.authority, !headers.contains(where: { $0.name == "host" }) {
            headers.append((name: "host", value: authority))
        }
        return headers
    }

    static func answer(_ request: Request, route: PluginRoute) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: route.maxBody)
        } catch {
            return Response(status: .contentTooLarge)
        }
        let answer = await route.handler(
            PluginHTTPRequest(
                method: route.method, path: request.uri.path, query: query(request.uri), headers: headers(request.head),
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
