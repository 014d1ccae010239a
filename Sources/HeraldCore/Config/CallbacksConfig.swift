import HeraldCrypto
import HeraldPluginAPI

extension HeraldConfig {
    /// The `[callbacks]` table: where status callbacks (batches of delivery-log events, signed like the webhook
    /// plugin's requests) are POSTed, which events go, and how many per request. Values only; the sender lives in
    /// `Reporting`. Off (nil) when `url` is absent.
    public struct Callbacks: Sendable, Equatable {
        static let keys: Set<String> = ["url", "secret", "secret_file", "events", "batch", "timeout"]
        public static let defaultEvents: Set<LogEvent.Kind> = [
            .delivered, .failed, .suppressed, .capped, .fallback, .expired, .reply, .bounced, .complained,
        ]

        /// `url`: http:// or https://. Required to turn callbacks on.
        public var url: String
        /// The Standard Webhooks signing key, decoded: the bytes behind `whsec_<base64>` (24–64 of them), from
        /// `secret_file` (a bare name is looked up in `$CREDENTIALS_DIRECTORY`) or the inline `secret`. Nil: unsigned.
        public var secret: [UInt8]?
        /// The secret is written in the config itself (`secret`), not read from `secret_file`.
        public var secretIsInline = false
        /// `events`: the delivery-log events that are sent, by their log names; default delivered, failed,
        /// suppressed, capped, fallback, expired, reply, bounced, complained.
        public var events: Set<LogEvent.Kind>
        /// `batch`, 1…1000, default 100: events per POST.
        public var batch: Int
        /// `timeout`, 100ms…2m, default 10s: per POST.
        public var timeout: Duration

        public init(
            url: String, secret: [UInt8]? = nil, events: Set<LogEvent.Kind> = Callbacks.defaultEvents, batch: Int = 100,
            timeout: Duration = .seconds(10)
        ) {
            self.url = url
            self.secret = secret
            self.events = events
            self.batch = batch
            self.timeout = timeout
        }

        /// Reads `[callbacks]`; nil when the table (or its `url`) is absent. `context` resolves `secret_file`.
        static func parse(_ table: PluginConfig, context: PluginContext) throws(ConfigError) -> Callbacks? {
            try table.rejectUnknownKeys(allowed: keys)
            guard let url = try table.string("url") else {
                if !table.values.isEmpty {
                    throw table.error(
                        "url", "is required to turn [callbacks] on, e.g. url = \"https://crm.example.com/hooks\"")
                }
                return nil
            }
            guard HTTPURL.check(url) != nil else {
                throw table.error(
                    "url", "\"\(url)\" is not an http:// or https:// URL like \"https://crm.example.com/hooks\"")
            }
            var callbacks = Callbacks(url: url)
            if table.values["secret"] != nil, table.values["secret_file"] != nil {
                throw table.error("secret", "set secret_file or secret, not both")
            }
            if let text = try table.secret("secret", context: context) {
                let key = table.values["secret_file"] == nil ? "secret" : "secret_file"
                do {
                    callbacks.secret = try StandardWebhookKey(parsing: text).bytes
                } catch {
                    throw table.error(key, error.description)
                }
                callbacks.secretIsInline = key == "secret"
            }
            if let names = try table.stringList("events") {
                var events: Set<LogEvent.Kind> = []
                for name in names {
                    guard let kind = LogEvent.Kind(rawValue: name) else {
                        let known = LogEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                        throw table.error("events", "\"\(name)\" is not a delivery-log event; use some of \(known)")
                    }
                    events.insert(kind)
                }
                guard !events.isEmpty else {
                    throw table.error("events", "lists no event; leave it out for the default, or remove [callbacks]")
                }
                callbacks.events = events
            }
            callbacks.batch = try table.int("batch", default: 100, in: 1...1000)
            callbacks.timeout = try table.duration(
                "timeout", default: .seconds(10), in: .milliseconds(100)...(.seconds(120)))
            return callbacks
        }
    }
}
