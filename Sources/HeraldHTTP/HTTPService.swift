import HeraldPluginAPI
import Hummingbird
import HummingbirdWebSocket
import Logging
import Prometheus
import ServiceLifecycle

/// The daemon's one embedded HTTP server, as a `Service` in the daemon's `ServiceGroup`: unsubscribe links
/// (`/u/{token}`, RFC 8058 one-click), Prometheus metrics (`/metrics`) and the health probes (`/healthz`,
/// `/readyz`). It runs a Hummingbird `Application` until graceful shutdown, which stops accepting, lets requests in
/// flight finish and returns. It is not a general web API: nothing here reads the queue or sends a message.
public struct HTTPService: Service {
    let host: String
    let port: Int
    let routes: HTTPRoutes
    let logger: Logger
    /// Called once the listener is bound (the daemon's readiness waits for it).
    let listening: @Sendable () -> Void

    /// - Parameters:
    ///   - host: the address to bind (`127.0.0.1` behind a reverse proxy; `0.0.0.0` to face the network).
    ///   - unsubscriber: verifies tokens and records suppressions.
    ///   - registry: what `/metrics` emits; the executable bootstraps swift-metrics onto the same registry.
    ///   - ready: answers `/readyz` (true once the first intake scan is done and the store is open).
    public init(
        host: String, port: Int, unsubscriber: any Unsubscriber, registry: PrometheusCollectorRegistry,
        ready: @escaping @Sendable () -> Bool, logger: Logger, pluginRoutes: [(mount: String, routes: PluginRoutes)] = [],
        listening: @escaping @Sendable () -> Void = {}
    ) {
        self.listening = listening
        self.host = host
        self.port = port
        self.routes = HTTPRoutes(
            unsubscriber: unsubscriber, registry: registry, ready: ready, logger: logger, pluginRoutes: pluginRoutes)
        self.logger = logger
    }

    public func run() async throws {
        // `Application.run()` joins the caller's graceful shutdown: the outer ServiceGroup's signal reaches it.
        try await makeApplication().run()
    }

    /// The application on its configured address; tests drive the same value through HummingbirdTesting.
    func makeApplication() -> some ApplicationProtocol {
        let mounts = routes.pluginRoutes
        return Application(
            router: routes.makeRouter(),
            server: .http1WebSocketUpgrade { head, _, _ in await PluginWebSocketMount.shouldUpgrade(head, mounts: mounts) },
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [listening] _ in listening() },
            logger: logger
        )
    }
}
