import HeraldPluginAPI
import HeraldTransport

/// Reads Google's OAuth token endpoint's answer (PROTOCOLS §3.2, §6.3): the access token and its lifetime, or what the failure means.
/// A pure function, like a classifier; the one place token-endpoint failure policy lives.
///
/// | answer                                          | result                                   |
/// |-------------------------------------------------|------------------------------------------|
/// | 200 with `access_token` (`expires_in`, else 1 h) | the token                                |
/// | 200 without `access_token`                      | transient (not Google's token endpoint?) |
/// | 400, 401, 403 (`invalid_grant`, `invalid_client`, …), 404 | credentialsInvalid (key, clock or token_url) |
/// | 408, 429, 5xx                                   | transient, with `Retry-After`            |
/// | other status                                    | credentialsInvalid                       |
/// | curl 58, 60, 77 (TLS trust)                     | credentialsInvalid                       |
/// | other curl errors                               | transient                                |
public enum GoogleTokenResponse {
    public static func parse(_ answer: Result<HTTPResponse, TransportError>) -> Result<(String, Int64), GoogleTokenFailure> {
        let response: HTTPResponse
        switch answer {
        case .failure(let error):
            let reply = Reply(code: error.code, text: "token endpoint: \(error.message)")
            return .failure(
                error.isCertificateProblem ? .credentialsInvalid(reply) : .transient(reply, retryAfter: nil))
        case .success(let answer):
            response = answer
        }
        let object: [String: JSONValue]
        if case .object(let members)? = try? JSONParser.parse(response.body) { object = members } else { object = [:] }
        let code = String(response.status)
        if (200..<300).contains(response.status) {
            guard case .string(let token)? = object["access_token"], !token.isEmpty else {
                return .failure(
                    .transient(
                        Reply(code: code, text: "token endpoint: no access_token in the answer"), retryAfter: nil))
            }
            var expiresIn = GoogleTokenSource.lifetimeSeconds
            if case .int(let seconds)? = object["expires_in"], seconds > 0 { expiresIn = seconds }
            return .success((token, expiresIn))
        }
        let reply = Reply(code: code, text: "token endpoint: " + reason(object, body: response.body))
        switch response.status {
        case 408, 429, 500..<600: return .failure(.transient(reply, retryAfter: response.retryAfter))
        default: return .failure(.credentialsInvalid(reply))
        }
    }

    /// `invalid_grant: Invalid JWT Signature.`, or the body's first line when it is not OAuth's error JSON.
    private static func reason(_ object: [String: JSONValue], body: [UInt8]) -> String {
        var parts: [String] = []
        if case .string(let error)? = object["error"] { parts.append(error) }
        if case .string(let detail)? = object["error_description"] { parts.append(detail) }
        if parts.isEmpty {
            let line = HTTPResponse.firstLine(of: body)
            return line.isEmpty ? "no error given" : line
        }
        return parts.joined(separator: ": ")
    }
}
