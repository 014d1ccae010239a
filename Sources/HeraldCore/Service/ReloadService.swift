import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP and SIGUSR1: reopen the delivery log (logrotate), and on SIGHUP also drop cached templates and check the
/// config file again. A config that does not validate is refused with its error and the running one kept; channel
/// and path changes take effect at the next restart (logged), since swapping plugins under in-flight deliveries
/// is not worth the risk.
public final class ReloadService: Service, Sendable {
    private let configPath: String
    private let registry: PluginRegistry
    private let log: DeliveryLog
    private let templates: TemplateStore
    private let logger: Logger

    public init(configPath: String, registry: PluginRegistry, log: DeliveryLog, templates: TemplateStore, logger: Logger) {
        self.configPath = configPath
        self.registry = registry
        self.log = log
        self.templates = templates
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        await cancelWhenGracefulShutdown {
            for await signal in signals {
                self.log.reopen()
                guard signal == .sighup else {
                    self.logger.info("SIGUSR1: delivery log reopened")
                    continue
                }
                self.templates.reload()
                do {
                    let config = try ConfigLoader.load(path: self.configPath)
                    _ = try self.registry.instantiate(config, logger: self.logger)
                    self.logger.notice(
                        "SIGHUP: log reopened, templates reloaded; \(self.configPath) is valid (channel changes apply at restart)")
                } catch {
                    self.logger.error("SIGHUP: new config refused, keeping the running one: \(error)")
                }
            }
        }
    }
}
