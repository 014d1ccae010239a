import HeraldPluginAPI

/// What the audience providers' classifiers share: a search for a member anywhere in a JSON answer.
enum AudienceReply {
    /// Every value of a member called `name`, at any depth.
    static func values(named name: String, in json: JSONValue) -> [JSONValue] {
        switch json {
        case .object(let members):
            return (members[name].map { [$0] } ?? []) + members.values.flatMap { values(named: name, in: $0) }
        case .array(let items):
            return items.flatMap { values(named: name, in: $0) }
        default:
            return []
        }
    }
}
