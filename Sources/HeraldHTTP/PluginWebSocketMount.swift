import HTTPTypes
import HeraldPluginAPI
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Upgrades requests for plugins' WebSocket paths (`PluginWebSocketRoute`): the plugin accepts or refuses from the
/// request's query and headers, and an accepted session's outbound texts are written while its client's texts go to
/// the plugin, until either side ends it or the server stops. A refused or unknown upgrade stays a plain HTTP
/// request for the router.
enum PluginWebSocketMount {
    /// The largest text message a client may send.
    static let maxMessage = 16 * 1024

    static func shouldUpgrade(
        _ head: HTTPRequest, mounts: [(mount: String, routes: PluginRoutes)]
    ) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URI(head.path ?? "")
        guard let route = route(for: uri.path, in: mounts) else { return .dontUpgrade }
        let request = PluginHTTPRequest(
            method: .get, path: uri.path, query: PluginRouteMount.query(uri), headers: PluginRouteMount.headers(head))
        guard let session = await route.accept(request) else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, _ in
            await run(session, inbound: inbound, outbound: outbound)
        }
    }

    private static func route(for path: String, in mounts: [(mount: String, routes: PluginRoutes)]) -> PluginWebSocketRoute? {
        for (base, routes) in mounts {
            if let route = routes.webSockets.first(where: { base + "/" + $0.path == path }) { return route }
        }
        return nil
    }

    private static func run(
        _ session: PluginWebSocketSession, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async {
        defer { session.onClose() }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await text in session.outbound {
                        do { try await outbound.write(.text(String(decoding: text, as: UTF8.self))) } catch { break }
                    }
                }
                group.addTask {
                    do {
                        for try await message in inbound.messages(maxSize: maxMessage) {
                            if case .text(let text) = message { await session.inbound(text) }
                        }
                    } catch {}
                }
                // Either side ending ends the session: the client left, or the plugin finished the stream.
                await group.next()
                session.onClose()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            session.onClose()
        }
    }
}
