import HeraldPluginAPI

/// A message as a producer dropped it in the spool (DESIGN §4, version 1), after intake validated it. Immutable:
/// what changes over a message's life (state, attempts, current channel) lives in the queue row, not here.
public struct Message: Sendable, Equatable {
    public enum Category: String, Sendable, CaseIterable {
        case marketing, transactional
    }

    public enum Priority: String, Sendable, CaseIterable {
        case low, normal, high

        /// Larger runs first.
        public var rank: Int {
            switch self {
            case .low: 0
            case .normal: 1
            case .high: 2
            }
        }
    }

    public static let stages: Set<String> = [
        "awareness", "acquisition", "activation", "conversion", "retention", "loyalty", "advocacy", "winback",
    ]

    public var id: String
    public var channel: String
    public var fallback: [String]
    public var to: Recipient
    public var campaign: String?
    public var stage: String?
    public var trigger: String?
    public var category: Category
    public var template: String?
    public var data: JSONValue?
    public var content: RenderedContent?
    /// Milliseconds since the Unix epoch.
    public var notBefore: Int64?
    public var expiresAt: Int64?
    public var priority: Priority
    public var headers: [String: String]
    /// A named endpoint of the channel (webhook `endpoints = { name = url }`); never a URL.
    public var endpoint: String?
    /// Top-level fields that plugins declare (`ChannelContract.fields`), validated by the plugins that own them.
    public var pluginFields: [String: JSONValue] = [:]

    public var metadata: MessageMetadata {
        MessageMetadata(
            campaign: campaign, stage: stage, trigger: trigger, category: category.rawValue,
            priority: priority.rawValue, template: template, endpoint: endpoint, headers: headers, data: data,
            expiresAt: expiresAt)
    }
}
