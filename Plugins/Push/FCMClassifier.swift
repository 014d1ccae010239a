import HeraldPluginAPI
import HeraldTransport

/// Maps FCM's answer for one device to a `DeviceResult` (PROTOCOLS §3.3): one pure function, on the FcmError
/// `details[].errorCode` first, then the Google error `status`, then the HTTP status.
///
/// | answer                                                       | result                                    |
/// |--------------------------------------------------------------|-------------------------------------------|
/// | 2xx                                                          | accepted, provider id = `name`'s last segment |
/// | UNREGISTERED; SENDER_ID_MISMATCH                             | dead                                      |
/// | INVALID_ARGUMENT saying the registration token is not valid  | dead                                      |
/// | other INVALID_ARGUMENT, other 4xx                            | permanent                                 |
/// | QUOTA_EXCEEDED, RESOURCE_EXHAUSTED, 429                      | throttled, with `Retry-After`             |
/// | UNAVAILABLE, INTERNAL, UNSPECIFIED_ERROR, 408, 5xx           | transient, with `Retry-After`             |
/// | UNAUTHENTICATED, 401 without an FcmError                     | `.unauthenticated`: refresh the token once |
/// | THIRD_PARTY_AUTH_ERROR, PERMISSION_DENIED, 403               | credentialsInvalid                        |
/// | 404 without UNREGISTERED (wrong url or project_id)           | credentialsInvalid, never dead            |
/// | curl 58, 60, 77 (TLS trust)                                  | credentialsInvalid                        |
/// | other curl errors                                            | transient                                 |
///
/// The reply is the HTTP status (or `curl:N`) and the error code with FCM's message; FCM's messages do not repeat
/// the device token.
enum FCMClassifier {
    enum Verdict: Sendable, Equatable {
        case result(DeviceResult)
        /// The access token was refused: the provider decides between refreshing and credentials invalid.
        case unauthenticated(Reply)
    }

    static func classify(_ answer: Result<HTTPResponse, TransportError>) -> Verdict {
        let response: HTTPResponse
        switch answer {
        case .failure(let error):
            return .result(.failed(error.outcome))
        case .success(let answer):
            response = answer
        }
        let error = FCMErrorBody(response.body)
        let code = String(response.status)
        if (200..<300).contains(response.status) {
            let id = error.name.flatMap { $0.split(separator: "/").last.map(String.init) }
            return .result(.accepted(providerID: id, reply: Reply(code: code, text: error.name ?? "")))
        }
        let reply = Reply(code: code, text: error.summary)
        let retryAfter = response.retryAfter
        for label in [error.errorCode, error.status].compactMap({ $0 }) {
            if let verdict = verdict(label, error, reply, retryAfter: retryAfter) { return verdict }
        }
        switch response.status {
        case 401: return .unauthenticated(reply)
        case 403, 404: return .result(.failed(.credentialsInvalid(reply: reply)))
        case 429: return .result(.failed(.throttled(reply: reply, retryAfter: retryAfter)))
        case 408, 500..<600: return .result(.failed(.transient(reply: reply, retryAfter: retryAfter)))
        default: return .result(.failed(.permanent(reply: reply)))
        }
    }

    /// What an FCM error code or a Google status means; nil for one this table does not know.
    private static func verdict(_ label: String, _ error: FCMErrorBody, _ reply: Reply, retryAfter: Duration?)
        -> Verdict?
    {
        switch label {
        case "UNREGISTERED", "SENDER_ID_MISMATCH": .result(.dead(reply: reply))
        case "INVALID_ARGUMENT":
            .result(error.saysTokenInvalid ? .dead(reply: reply) : .failed(.permanent(reply: reply)))
        case "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED": .result(.failed(.throttled(reply: reply, retryAfter: retryAfter)))
        case "UNAVAILABLE", "INTERNAL", "UNSPECIFIED_ERROR":
            .result(.failed(.transient(reply: reply, retryAfter: retryAfter)))
        case "UNAUTHENTICATED": .unauthenticated(reply)
        case "THIRD_PARTY_AUTH_ERROR", "APNS_AUTH_ERROR", "PERMISSION_DENIED":
            .result(.failed(.credentialsInvalid(reply: reply)))
        default: nil
        }
    }
}

/// The members of a Google API answer the classifier reads: `{"name":…}` on success, or
/// `{"error":{"code","message","status","details":[{"errorCode":…}]}}`. Anything else leaves them nil.
struct FCMErrorBody: Sendable {
    var name: String?
    var message: String?
    var status: String?
    var errorCode: String?
    private var firstLine: String

    init(_ body: [UInt8]) {
        firstLine = HTTPResponse.firstLine(of: body)
        guard case .object(let top)? = try? JSONParser.parse(body) else { return }
        if case .string(let text)? = top["name"] { name = text }
        guard case .object(let error)? = top["error"] else { return }
        if case .string(let text)? = error["message"] { message = text }
        if case .string(let text)? = error["status"] { status = text }
        guard case .array(let details)? = error["details"] else { return }
        for case .object(let detail) in details {
            if case .string(let text)? = detail["errorCode"] {
                errorCode = text
                break
            }
        }
    }

    /// "The registration token is not a valid FCM registration token", in the words FCM has used.
    var saysTokenInvalid: Bool {
        guard let message = message?.lowercased() else { return false }
        return message.contains("registration token") && message.contains("not a valid")
    }

    /// `UNREGISTERED: Requested entity was not found.`, shortened; the body's first line when it is not Google's.
    var summary: String {
        guard let label = errorCode ?? status else { return firstLine }
        guard let message, !message.isEmpty else { return label }
        return label + ": " + (message.count > 160 ? String(message.prefix(160)) + "…" : message)
    }
}
