import HeraldPluginAPI
import HeraldTransport

/// A provider's answer as an outcome. A conversation or session that is gone, or a Messenger window that is
/// closed, is not reachable here: the message moves along its fallback route and nobody is suppressed.
///
/// | answer | outcome |
/// |---|---|
/// | 2xx | delivered (the provider's message id) |
/// | 404 (Chatwoot, Crisp, Intercom) | not reachable here |
/// | Messenger 10 / 2018278, 551, 2018108 (window closed, person unavailable) | not reachable here |
/// | 401, 403; Messenger 190 | credentials invalid |
/// | 429; Messenger 4, 32, 613 | throttled, for `Retry-After` or 60 s |
/// | 408, 5xx, no answer | transient |
/// | other 4xx | permanent |
enum ProviderClassifier {
    static func classify(_ result: Result<HTTPResponse, TransportError>, provider: LiveChatConfig.Provider) -> Outcome {
        let response: HTTPResponse
        switch result {
        case .failure(let error): return error.outcome
        case .success(let answer): response = answer
        }
        let json = try? JSONParser.parse(response.body)
        let name = provider.rawValue
        if (200..<300).contains(response.status) {
            let id = json?["message_id"]?.stringValue ?? json?["id"]?.stringValue ?? json?["id"]?.intValue.map(String.init)
                ?? json?["data"]?["fingerprint"]?.intValue.map(String.init)
            return .delivered(providerID: id, reply: Reply(code: String(response.status), text: "accepted by \(name)"))
        }
        var message = json?["error"]?["message"]?.stringValue ?? json?["reason"]?.stringValue ?? response.firstLine
        if case .array(let errors)? = json?["errors"], let first = errors.first?["message"]?.stringValue { message = first }
        if provider == .messenger, let code = json?["error"]?["code"]?.intValue {
            let subcode = json?["error"]?["error_subcode"]?.intValue
            let reply = Reply(code: "messenger:\(code)" + (subcode.map { "/\($0)" } ?? ""), text: message)
            switch (code, subcode) {
            case (10, 2018278?), (551, _), (_, 2018108?), (_, 2018278?): return .notReachableHere(reply: reply)
            case (190, _): return .credentialsInvalid(reply: reply)
            case (4, _), (32, _), (613, _): return .throttled(reply: reply, retryAfter: response.retryAfter ?? .seconds(60))
            default: break
            }
        }
        let reply = Reply(code: String(response.status), text: message)
        switch response.status {
        case 404: return .notReachableHere(reply: reply)
        case 401, 403: return .credentialsInvalid(reply: reply)
        case 429: return .throttled(reply: reply, retryAfter: response.retryAfter ?? .seconds(60))
        case 408, 500...599: return .transient(reply: reply, retryAfter: response.retryAfter)
        default: return .permanent(reply: reply)
        }
    }
}
