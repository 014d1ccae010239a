import HeraldPluginAPI
import HeraldTransport

/// The Data Manager API's replies (PROTOCOLS §6.3) as one outcome per member of the request. Errors are Google RPC
/// statuses, `{"error": {"code", "message", "status", "details"}}`; the status name wins over the HTTP code.
///
/// | reply | outcome |
/// |---|---|
/// | 2xx | delivered (`requestId` the provider id), except members named `audienceMembers[i]` in `partialFailureError`'s field violations: permanent |
/// | 429, RESOURCE_EXHAUSTED | throttled, for `Retry-After` or 60 s (the quota is per minute) |
/// | 401, UNAUTHENTICATED | `unauthenticated`: the caller drops the token and reports transient at once; credentialsInvalid if a fresh token is refused too |
/// | 403, PERMISSION_DENIED | credentialsInvalid (the account is not the service account's to manage) |
/// | 408, 5xx, UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED | transient |
/// | 400, INVALID_ARGUMENT naming members (`audienceMembers[i]…`) | those members permanent; the others transient, so they go again without them |
/// | 400, INVALID_ARGUMENT, other 4xx | permanent |
/// | transport errors | `TransportError.outcome` |
enum GoogleClassifier {
    /// When a 429 says nothing of when to come back: the quota is counted per minute.
    static let defaultBlock: Duration = .seconds(60)

    enum Verdict {
        case outcomes([Outcome])
        /// The access token was refused; what that means depends on the token's history (`GoogleTokenSource`).
        case unauthenticated(Reply)
    }

    static func classify(_ result: Result<HTTPResponse, TransportError>, members: [AudienceMember]) -> Verdict {
        let response: HTTPResponse
        switch result {
        case .failure(let error): return .outcomes(members.map { _ in error.outcome })
        case .success(let answer): response = answer
        }
        let json = try? JSONParser.parse(response.body)
        if (200..<300).contains(response.status) {
            return .outcomes(accepted(json, members: members))
        }
        let error = json?["error"]
        let status = error?["status"]?.stringValue
        let message = error?["message"]?.stringValue ?? response.firstLine
        let reply = Reply(code: "google:" + (status ?? String(response.status)), text: message)
        let outcome: Outcome
        switch (status, response.status) {
        case ("RESOURCE_EXHAUSTED", _), (nil, 429):
            outcome = .throttled(reply: reply, retryAfter: response.retryAfter ?? defaultBlock)
        case ("UNAUTHENTICATED", _), (nil, 401):
            return .unauthenticated(reply)
        case ("PERMISSION_DENIED", _), (nil, 403):
            outcome = .credentialsInvalid(reply: reply)
        case ("UNAVAILABLE", _), ("INTERNAL", _), ("DEADLINE_EXCEEDED", _), ("ABORTED", _), (nil, 408), (_, 500..<600):
            outcome = .transient(reply: reply, retryAfter: response.retryAfter)
        default:
            let refused = refusedMembers(error, count: members.count)
            if !refused.isEmpty, refused.count < members.count {
                return .outcomes(Self.refused(refused, of: members, reply: reply))
            }
            outcome = .permanent(reply: reply)
        }
        return .outcomes(members.map { _ in outcome })
    }

    /// A whole request refused for some of its members: one bad phone must not fail the rest. Those named fail;
    /// the others are sent again (their next batch no longer holds the refused ones).
    private static func refused(_ refused: [Int: String], of members: [AudienceMember], reply: Reply) -> [Outcome] {
        let again = Outcome.transient(
            reply: Reply(code: reply.code, text: "the request was refused for \(refused.count) other members; sent again without them"),
            retryAfter: nil)
        return members.indices.map { index in
            guard let reason = refused[index] else { return again }
            return .permanent(reply: Reply(code: "invalid_entry", text: "Google refused this member: \(reason)"))
        }
    }

    private static func accepted(_ json: JSONValue?, members: [AudienceMember]) -> [Outcome] {
        let refused = refusedMembers(json?["partialFailureError"], count: members.count)
        let requestID = json?["requestId"]?.stringValue
        let delivered = Outcome.delivered(
            providerID: requestID, reply: Reply(code: "200", text: "accepted, \(members.count - refused.count) of \(members.count)"))
        return members.indices.map { index in
            guard let reason = refused[index] else { return delivered }
            return .permanent(reply: Reply(code: "invalid_entry", text: "Google refused this member: \(reason)"))
        }
    }

    /// Index in the request → reason, from field violations `audienceMembers[i]` or `audienceMembers[i].…`.
    static func refusedMembers(_ failure: JSONValue?, count: Int) -> [Int: String] {
        guard let failure else { return [:] }
        var refused: [Int: String] = [:]
        for violations in AudienceReply.values(named: "fieldViolations", in: failure) {
            guard case .array(let items) = violations else { continue }
            for item in items {
                guard let field = item["field"]?.stringValue, let index = memberIndex(field), index < count else { continue }
                refused[index] = item["description"]?.stringValue ?? item["reason"]?.stringValue ?? "invalid"
            }
        }
        return refused
    }

    /// `audienceMembers[12].userData` → 12; nil for any other field.
    static func memberIndex(_ field: String) -> Int? {
        let prefix = "audienceMembers["
        guard field.hasPrefix(prefix) else { return nil }
        let digits = field.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, field.dropFirst(prefix.count + digits.count).first == "]" else { return nil }
        return Int(digits)
    }
}
