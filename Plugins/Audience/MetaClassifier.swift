import HeraldPluginAPI
import HeraldTransport

/// Meta's replies (PROTOCOLS §6.1) as one outcome per member of the request.
///
/// | reply | outcome |
/// |---|---|
/// | 2xx | delivered, except rows matched by hash in `invalid_entry_samples`: permanent |
/// | codes 4, 17, 341, 368, 613, 80000–80004; subcodes 2446079, 1487742; HTTP 429 | throttled, for `estimated_time_to_regain_access` (usage headers) or 30 minutes |
/// | 190, 102, 10, 200–299; 100 with subcode 33 | credentialsInvalid |
/// | 100 (other), other 4xx, 413 | permanent |
/// | 1, 2, negative codes, 5xx, transport errors | transient |
enum MetaClassifier {
    static let rateLimitCodes: Set<Int64> = [4, 17, 341, 368, 613, 80000, 80001, 80002, 80003, 80004]
    static let rateLimitSubcodes: Set<Int64> = [2_446_079, 1_487_742]
    /// When Meta says nothing of when access comes back: account-level blocks last long, and a short retry only
    /// spends the next call.
    static let defaultBlock: Duration = .seconds(30 * 60)

    struct Verdict {
        var outcomes: [Outcome]
        /// `num_invalid_entries` as Meta counted it (it samples, so it may name fewer rows than it counted).
        var invalidCount: Int
    }

    static func classify(_ result: Result<HTTPResponse, TransportError>, members: [AudienceMember]) -> Verdict {
        let response: HTTPResponse
        switch result {
        case .failure(let error):
            return all(members, error.outcome)
        case .success(let answer):
            response = answer
        }
        let json = try? JSONParser.parse(response.body)
        if (200..<300).contains(response.status) {
            return accepted(json, members: members)
        }
        let error = json?["error"]
        let code = error?["code"]?.intValue
        let subcode = error?["error_subcode"]?.intValue
        let message = error?["message"]?.stringValue ?? response.firstLine
        let reply = Reply(code: code.map { "meta:\($0)" + (subcode.map { "/\($0)" } ?? "") } ?? String(response.status), text: message)
        let outcome: Outcome
        if let code, rateLimitCodes.contains(code) || subcode.map(rateLimitSubcodes.contains) == true {
            outcome = .throttled(reply: reply, retryAfter: regainAccess(response) ?? response.retryAfter ?? defaultBlock)
        } else if response.status == 429 {
            outcome = .throttled(reply: reply, retryAfter: regainAccess(response) ?? response.retryAfter ?? defaultBlock)
        } else if let code, [190, 102, 10].contains(code) || (200...299).contains(code) || (code == 100 && subcode == 33) {
            outcome = .credentialsInvalid(reply: reply)
        } else if let code, code == 1 || code == 2 || code < 0 {
            outcome = .transient(reply: reply, retryAfter: response.retryAfter)
        } else if response.status >= 500 {
            outcome = .transient(reply: reply, retryAfter: response.retryAfter)
        } else if response.status == 401 || response.status == 403 {
            outcome = .credentialsInvalid(reply: reply)
        } else {
            outcome = .permanent(reply: reply)
        }
        return all(members, outcome)
    }

    private static func all(_ members: [AudienceMember], _ outcome: Outcome) -> Verdict {
        Verdict(outcomes: members.map { _ in outcome }, invalidCount: 0)
    }

    private static func accepted(_ json: JSONValue?, members: [AudienceMember]) -> Verdict {
        let invalidCount = Int(json?["num_invalid_entries"]?.intValue ?? 0)
        var samples: [String: String] = [:]
        if case .object(let object)? = json?["invalid_entry_samples"] {
            for (hash, reason) in object { samples[hash] = reason.stringValue ?? "invalid" }
        }
        let received = json?["num_received"]?.intValue.map(String.init) ?? "?"
        let delivered = Outcome.delivered(
            providerID: json?["session_id"]?.stringValue,
            reply: Reply(code: "200", text: "received \(received), invalid \(invalidCount)"))
        let outcomes = members.map { member -> Outcome in
            let values = MetaRequest.columns.compactMap { $0.value(member.identity) }
            guard let hit = values.first(where: { samples[$0] != nil }), let reason = samples[hit] else { return delivered }
            return .permanent(reply: Reply(code: "invalid_entry", text: "Meta refused this row: \(reason)"))
        }
        return Verdict(outcomes: outcomes, invalidCount: invalidCount)
    }

    /// The longest `estimated_time_to_regain_access` (minutes) in the usage headers, if any says one.
    static func regainAccess(_ response: HTTPResponse) -> Duration? {
        var minutes: Int64?
        for name in ["x-business-use-case-usage", "x-ad-account-usage", "x-app-usage"] {
            guard let text = response.headers[name], let json = try? JSONParser.parse(Array(text.utf8)) else { continue }
            for value in AudienceReply.values(named: "estimated_time_to_regain_access", in: json) {
                if let number = value.intValue, number > 0 { minutes = max(minutes ?? 0, number) }
            }
        }
        return minutes.map { .seconds($0 * 60) }
    }
}
