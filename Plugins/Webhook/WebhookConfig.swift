import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// The `webhook` channel's keys, each read once here with its default and bounds.
public struct WebhookConfig: Sendable {
    static let keys: Set<String> = [
        "url", "endpoints", "secret", "secret_file", "timeout", "connect_timeout", "ca_file", "http", "event_type",
    ]

    /// Where deliveries are POSTed. Required; http:// or https://.
    public var url: String
    /// Named alternatives a message may pick with `"endpoint": "name"`; a message can never give a URL itself.
    public var endpoints: [String: String]
    /// The Standard Webhooks signing key: the bytes behind `whsec_<base64>`. Nil: requests go unsigned.
    public var secret: [UInt8]?
    public var timeout: Duration
    public var connectTimeout: Duration
    /// A PEM CA bundle to trust instead of the system's.
    public var caFile: String?
    public var version: HTTPRequest.Version
    /// The payload's `type`.
    public var eventType: String

    public init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        url = try config.checkHTTPURL(try config.requiredString("url", example: "https://crm.example.com/hooks/herald"), key: "url")
        var endpoints: [String: String] = [:]
        for (name, value) in try config.stringTable("endpoints") {
            endpoints[name] = try config.checkHTTPURL(value, key: "endpoints")
        }
        self.endpoints = endpoints
        if let text = try config.secret("secret", context: context) {
            do {
                secret = try StandardWebhookKey(parsing: text).bytes
            } catch {
                throw config.error(config.values["secret_file"] == nil ? "secret" : "secret_file", error.description)
            }
        }
        timeout = try config.duration("timeout", default: .seconds(15), in: .milliseconds(100)...(.seconds(120)))
        connectTimeout = try config.duration("connect_timeout", default: .seconds(5), in: .milliseconds(100)...(.seconds(60)))
        caFile = try config.string("ca_file").map(context.resolve(path:))
        switch try config.string("http") ?? "auto" {
        case "auto": version = .automatic
        case "1.1": version = .http1
        case "h2c": version = .http2PriorKnowledge
        case let other: throw config.error("http", "\"\(other)\" is not one of auto, 1.1, h2c")
        }
        eventType = try config.string("event_type") ?? "message.send"
    }
}
