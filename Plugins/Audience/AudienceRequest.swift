import HeraldPluginAPI

/// The message's `audience` object: which audience (by the channel's name for it), `add` or `remove`, and for
/// Google the consent signals. Validated at intake against the channel's `audiences`, read again per delivery.
struct AudienceRequest: Sendable, Equatable {
    enum Action: String, Sendable {
        case add, remove
    }

    var name: String
    var action: Action
    /// `ad_user_data`, `ad_personalization` → `granted` | `denied`.
    var consent: [String: String]

    static let consentKeys = ["ad_user_data", "ad_personalization"]

    /// The field's declaration for a channel whose audiences are `names`.
    static func field(names: Set<String>) -> MessageField {
        MessageField(name: "audience", required: true) { value in
            switch parse(value, names: names) {
            case .success: nil
            case .failure(let problem): (problem.path, problem.reason)
            }
        }
    }

    struct Problem: Error {
        var path: String
        var reason: String
    }

    static func parse(_ value: JSONValue, names: Set<String>) -> Result<AudienceRequest, Problem> {
        guard case .object(let object) = value else {
            return .failure(Problem(path: "", reason: "must be an object: {\"name\": …, \"action\": \"add\" or \"remove\"}"))
        }
        for key in object.keys.sorted() where !["name", "action", "consent"].contains(key) {
            return .failure(Problem(path: ".\(key)", reason: "unknown member; known: name, action, consent"))
        }
        guard case .string(let name)? = object["name"] else {
            return .failure(Problem(path: ".name", reason: "must name one of the channel's audiences"))
        }
        guard names.contains(name) else {
            return .failure(
                Problem(path: ".name", reason: "\"\(name)\" is not one of this channel's audiences: \(names.sorted().joined(separator: ", "))"))
        }
        guard case .string(let actionText)? = object["action"], let action = Action(rawValue: actionText) else {
            return .failure(Problem(path: ".action", reason: "must be \"add\" or \"remove\""))
        }
        var consent: [String: String] = [:]
        switch object["consent"] {
        case nil: break
        case .object(let members)?:
            for key in members.keys.sorted() {
                guard consentKeys.contains(key) else {
                    return .failure(Problem(path: ".consent.\(key)", reason: "unknown member; known: " + consentKeys.joined(separator: ", ")))
                }
                guard case .string(let text)? = members[key], text == "granted" || text == "denied" else {
                    return .failure(Problem(path: ".consent.\(key)", reason: "must be \"granted\" or \"denied\""))
                }
                consent[key] = text
            }
        case _?:
            return .failure(Problem(path: ".consent", reason: "must be an object: {\"ad_user_data\": \"granted\", …}"))
        }
        return .success(AudienceRequest(name: name, action: action, consent: consent))
    }
}
