import Foundation
import HeraldCore
import HeraldHTTP
import HeraldPluginAPI
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The `[http]` endpoint as a daemon add-on: one-click unsubscribe over the suppression store, /metrics from the
/// process's Prometheus registry, /healthz and /readyz. Nothing when `[http]` is absent.
enum HTTPAddOn {
    /// Bootstrapped once per process, before any metric is made.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static func services(_ runtime: HeraldService.Runtime) throws -> [any Service] {
        guard let http = runtime.config.http else { return [] }
        let secrets = try OneClickUnsubscribe.secrets(
            of: runtime.config, credentialsDirectory: ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"])
        if secrets.isEmpty {
            runtime.logger.warning("[http] is on but no smtp channel has unsubscribe_secret: /u/ links cannot verify")
        }
        let unsubscriber = SuppressingUnsubscriber(core: OneClickUnsubscribe(secrets: secrets, store: runtime.suppressions))
        let host = http.listen.host.hasPrefix("[") ? String(http.listen.host.dropFirst().dropLast()) : http.listen.host
        return [
            HTTPService(
                host: host, port: http.listen.port, unsubscriber: unsubscriber, registry: registry,
                ready: runtime.isReady, logger: runtime.logger, pluginRoutes: runtime.routes, listening: runtime.listening)
        ]
    }
}

/// HeraldHTTP's view of one-click unsubscribe, answered by HeraldCore's.
struct SuppressingUnsubscriber: Unsubscriber {
    let core: OneClickUnsubscribe

    func unsubscribe(token: String) async throws -> UnsubscribeReceipt? {
        try core.unsubscribe(token: token, now: Clock.nowMillis()).map {
            UnsubscribeReceipt(maskedRecipient: $0.maskedRecipient, campaign: $0.campaign)
        }
    }

    func peek(token: String) -> UnsubscribeReceipt? {
        core.peek(token: token).map { UnsubscribeReceipt(maskedRecipient: $0.maskedRecipient, campaign: $0.campaign) }
    }
}
