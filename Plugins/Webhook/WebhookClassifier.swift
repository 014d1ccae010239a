import HeraldPluginAPI
import HeraldTransport

/// Maps a webhook reply to an outcome: one pure function, its whole rule table here and in README.md.
///
/// | reply                                   | outcome                                  |
/// |-----------------------------------------|------------------------------------------|
/// | 2xx                                     | delivered                                |
/// | 429                                     | throttled, with `Retry-After`            |
/// | 408, 5xx                                | transient, with `Retry-After` if sent    |
/// | 401, 403                                | credentialsInvalid (pause the channel)   |
/// | 410                                     | destinationGone (the endpoint is gone: pause, suppress nobody) |
/// | other 4xx, 3xx (redirects not followed) | permanent                                |
/// | curl 58, 60, 77 (TLS trust)             | credentialsInvalid                       |
/// | other curl errors (connect, timeout, …) | transient                                |
enum WebhookClassifier {
    static func classify(_ result: Result<HTTPResponse, TransportError>) -> Outcome {
        switch result {
        case .failure(let error):
            return error.outcome
        case .success(let response):
            let reply = Reply(code: String(response.status), text: response.firstLine)
            switch response.status {
            case 200..<300: return .delivered(providerID: nil, reply: reply)
            case 429: return .throttled(reply: reply, retryAfter: response.retryAfter)
            case 408, 500..<600: return .transient(reply: reply, retryAfter: response.retryAfter)
            case 401, 403: return .credentialsInvalid(reply: reply)
            case 410: return .destinationGone(reply: reply)
            default: return .permanent(reply: reply)
            }
        }
    }
}
