import HeraldPluginAPI

/// `to.chat`, where a provider mode sends: the provider's conversation (`{"conversation": "…"}`: Chatwoot,
/// Intercom), session (`{"session": "session_…"}`: Crisp) or page-scoped id (`{"psid": "…", "last_inbound_at":
/// RFC 3339, "tag": "…"}`: Messenger). Validated at intake by the channel's provider (`field(for:)`).
struct ChatTarget: Sendable, Equatable {
    var id: String
    /// Messenger: when the person last wrote to the page (ms), which opens its 24-hour window.
    var lastInboundAt: Int64?
    /// Messenger: the message tag for a message outside the window; nil: the channel's `message_tag`.
    var tag: String?

    /// The member of `to.chat` that names the target for `provider`.
    static func idName(_ provider: LiveChatConfig.Provider) -> String {
        switch provider {
        case .crisp: "session"
        case .messenger: "psid"
        case .builtin, .chatwoot, .intercom: "conversation"
        }
    }

    static func parse(_ value: JSONValue?, provider: LiveChatConfig.Provider) -> Result<ChatTarget, ChatTargetProblem> {
        guard case .object(let object)? = value else {
            return .failure(ChatTargetProblem(path: "", reason: "must be an object like {\"\(idName(provider))\": \"…\"}"))
        }
        let name = idName(provider)
        let allowed: Set<String> = provider == .messenger ? [name, "last_inbound_at", "tag"] : [name]
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            return .failure(ChatTargetProblem(path: "." + unknown, reason: "unknown field for provider \(provider.rawValue); known: \(allowed.sorted().joined(separator: ", "))"))
        }
        guard let id = object[name]?.stringValue, !id.isEmpty, id.utf8.count <= 128,
            id.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") && $0 != UInt8(ascii: "%") })
        else {
            return .failure(ChatTargetProblem(path: "." + name, reason: "the provider's id: 1–128 printable characters, no / ? # % or spaces"))
        }
        var target = ChatTarget(id: id)
        if let text = object["last_inbound_at"] {
            guard let stamp = text.stringValue.flatMap(Timestamp.parse) else {
                return .failure(ChatTargetProblem(path: ".last_inbound_at", reason: "an RFC 3339 time like 2026-12-01T09:30:00Z"))
            }
            target.lastInboundAt = stamp
        }
        if let tag = object["tag"] {
            guard let text = tag.stringValue, MessengerRequest.tags.contains(text) else {
                return .failure(ChatTargetProblem(path: ".tag", reason: "one of " + MessengerRequest.tags.sorted().joined(separator: ", ")))
            }
            target.tag = text
        }
        return .success(target)
    }

    static func field(for provider: LiveChatConfig.Provider) -> MessageField {
        MessageField(name: "chat", required: true) { value in
            switch parse(value, provider: provider) {
            case .success: nil
            case .failure(let problem): (problem.path, problem.reason)
            }
        }
    }
}

struct ChatTargetProblem: Error {
    var path: String
    var reason: String
}
