import Logging

/// A swift-log handler that keeps every message, so a test can wait for the error a component reports (a failed
/// commit) instead of guessing how long it takes.
struct CapturingLogHandler: LogHandler {
    let messages: Collected<String>
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: Logging.LogEvent) {
        messages.append(["\(event.message)"])
    }

    static func logger(into messages: Collected<String>) -> Logger {
        Logger(label: "test") { _ in CapturingLogHandler(messages: messages) }
    }
}
