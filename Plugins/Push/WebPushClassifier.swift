import HeraldPluginAPI
import HeraldTransport

/// Maps a push service's answer to one subscription's result (RFC 8030, RFC 8292, PROTOCOLS §4.2): one pure
/// function, its rule table here.
///
/// | reply                                   | result                                              |
/// |-----------------------------------------|-----------------------------------------------------|
/// | 200, 201, 202 (other 2xx alike)         | accepted; providerID = last path segment of `Location` |
/// | 404, 410                                | dead (the subscription expired or was revoked)      |
/// | 413                                     | failed(permanent): payload too large                |
/// | 429                                     | failed(throttled), with `Retry-After`               |
/// | 400, 401, 403                           | failed(credentialsInvalid): a VAPID problem         |
/// | 408, 5xx                                | failed(transient), with `Retry-After`               |
/// | other 4xx, 3xx (redirects not followed) | failed(permanent)                                   |
/// | curl 58, 60, 77 (TLS trust)             | failed(credentialsInvalid)                          |
/// | other curl errors (connect, timeout, …) | failed(transient)                                   |
///
/// The reply code is the HTTP status or `curl:N`; the text is the body's first line (at most 200 bytes), else the
/// status's reason phrase.
enum WebPushClassifier {
    static func classify(_ result: Result<HTTPResponse, TransportError>) -> DeviceResult {
        switch result {
        case .failure(let error):
            return .failed(error.outcome)
        case .success(let response):
            let reply = Reply(code: String(response.status), text: text(response))
            switch response.status {
            case 200..<300:
                return .accepted(providerID: messageID(response.headers["location"]), reply: reply)
            case 404, 410: return .dead(reply: reply)
            case 429: return .failed(.throttled(reply: reply, retryAfter: response.retryAfter))
            case 400, 401, 403: return .failed(.credentialsInvalid(reply: reply))
            case 408, 500..<600: return .failed(.transient(reply: reply, retryAfter: response.retryAfter))
            default: return .failed(.permanent(reply: reply))
            }
        }
    }

    /// The message resource's id: the last path segment of `Location`, without query or fragment.
    static func messageID(_ location: String?) -> String? {
        guard let location else { return nil }
        let path = location.prefix { $0 != "?" && $0 != "#" }
        guard let segment = path.split(separator: "/").last, !path.hasSuffix("/"),
            segment.count < path.count
        else {
            return nil
        }
        return String(segment)
    }

    static func text(_ response: HTTPResponse) -> String {
        let line = response.firstLine
        return line.isEmpty ? reasons[response.status] ?? "" : line
    }

    static let reasons = [
        200: "OK", 201: "Created", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found", 408: "Request Timeout", 410: "Gone", 413: "Content Too Large",
        429: "Too Many Requests",
        500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
        504: "Gateway Timeout",
    ]
}
