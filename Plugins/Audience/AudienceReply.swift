import HeraldPluginAPI
import HeraldTransport

/// What the audience providers' classifiers share: a request that got no answer, a short summary of a body, and
/// a search for a member anywhere in a JSON answer.
enum AudienceReply {
    /// No HTTP answer: a broken chain of trust does not mend by itself (credentials invalid, the channel pauses
    /// and says so); anything else on the way (DNS, connect, reset, timeout) is transient.
    static func noAnswer(_ error: TransportError) -> Outcome {
        let reply = Reply(code: error.code, text: error.message)
        return error.isCertificateProblem ? .credentialsInvalid(reply: reply) : .transient(reply: reply, retryAfter: nil)
    }

    /// The first line of a body, shortened: enough for a log line, never a whole HTML error page.
    static func summary(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return String(text.split(whereSeparator: \.isNewline).first ?? "")
    }

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
