import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// The `generic` provider: one JSON POST per batch to the channel's `url`, for in-house ad stacks, signed like a
/// webhook (Standard Webhooks: `webhook-id` = a batch id, `webhook-timestamp`, `webhook-signature`):
///
/// ```json
/// {"audience": "<id>", "action": "add", "members": [{"id": "<message id>", "identifiers": {"email": "<sha256>", …}}]}
/// ```
///
/// Identifiers are hashed by Meta's rules (`external_id` as it is). The receiver answers 2xx with
/// `{"invalid": [{"id": "<message id>", "reason": "…"}]}` for members it refused (or an empty body).
enum GenericRequest {
    static let identifierNames: [(name: String, value: @Sendable (NormalizedIdentity) -> String?)] = [
        ("email", { $0.email }), ("phone", { $0.phone }), ("first_name", { $0.firstName }), ("last_name", { $0.lastName }),
        ("city", { $0.city }), ("region", { $0.region }), ("postal_code", { $0.postalCode }), ("country", { $0.country }),
        ("external_id", { $0.externalID }),
    ]

    static let overhead = 96

    static func size(_ member: AudienceMember) -> Int {
        identifierNames.reduce(member.id.utf8.count + 40) { total, field in
            total + (field.value(member.identity).map { $0.utf8.count + field.name.utf8.count + 6 } ?? 0)
        }
    }

    static func build(
        _ members: [AudienceMember], audienceID: String, action: AudienceRequest.Action, config: AudienceConfig,
        key: StandardWebhookKey?, now: Int64
    ) -> HTTPRequest {
        var writer = JSONWriter(reservingCapacity: members.count * 120 + 64)
        writer.object([
            ("audience", .string(audienceID)), ("action", .string(action.rawValue)),
            ("members", .array(members.map { member in
                var identifiers: [String: JSONValue] = [:]
                for field in identifierNames { identifiers[field.name] = field.value(member.identity).map(JSONValue.string) }
                return .object(["id": .string(member.id), "identifiers": .object(identifiers)])
            })),
        ])
        let body = writer.bytes
        // One id per request content: a retry of the same members carries the same id, so the receiver can
        // drop a repeat; the timestamp, and so the signature, is per attempt.
        let id = "aud_" + Hex.lowercase(Digest.sha256(body).prefix(12))
        let seconds = now / 1000
        var headers = [
            "Content-Type: application/json", "User-Agent: Herald/1", "webhook-id: \(id)", "webhook-timestamp: \(seconds)",
        ]
        if let key { headers.append("webhook-signature: " + key.signature(id: id, timestamp: seconds, body: body)) }
        return HTTPRequest(
            url: config.url, headers: headers, body: body, timeout: config.timeout, connectTimeout: config.connectTimeout,
            caFile: config.caFile)
    }
}

/// The generic receiver's replies, one outcome per member.
///
/// | reply | outcome |
/// |---|---|
/// | 2xx | delivered, except members listed in `invalid`: permanent |
/// | 429 | throttled, with `Retry-After` |
/// | 401, 403 | credentialsInvalid |
/// | 408, 5xx, transport errors | transient |
/// | other 4xx | permanent |
enum GenericClassifier {
    static func classify(_ result: Result<HTTPResponse, TransportError>, members: [AudienceMember]) -> [Outcome] {
        let response: HTTPResponse
        switch result {
        case .failure(let error): return members.map { _ in error.outcome }
        case .success(let answer): response = answer
        }
        let reply = Reply(code: String(response.status), text: response.firstLine)
        let outcome: Outcome
        switch response.status {
        case 200..<300:
            var invalid: [String: String] = [:]
            if case .array(let items)? = (try? JSONParser.parse(response.body))?["invalid"] {
                for item in items {
                    if let id = item["id"]?.stringValue { invalid[id] = item["reason"]?.stringValue ?? "invalid" }
                }
            }
            let delivered = Outcome.delivered(providerID: nil, reply: Reply(code: reply.code, text: "accepted"))
            return members.map { member in
                invalid[member.id].map { .permanent(reply: Reply(code: "invalid_entry", text: "the receiver refused this member: \($0)")) }
                    ?? delivered
            }
        case 429: outcome = .throttled(reply: reply, retryAfter: response.retryAfter)
        case 401, 403: outcome = .credentialsInvalid(reply: reply)
        case 408, 500..<600: outcome = .transient(reply: reply, retryAfter: response.retryAfter)
        default: outcome = .permanent(reply: reply)
        }
        return members.map { _ in outcome }
    }
}
