import HeraldPluginAPI
import HeraldTransport

/// What an APNs answer means for one device (PROTOCOLS §2.4): 200 accepted with the `apns-id`; a dead token
/// (410 Unregistered/ExpiredToken, 400 BadDeviceToken, DeviceTokenNotForTopic); an expired provider token
/// (renewed, then retried without delay); other 403s are the channel's credentials; 429 throttles; 5xx and
/// broken connections are transient; any other 4xx is the message itself.
enum APNsClassifier {
    enum Verdict: Equatable {
        case result(DeviceResult)
        /// 403 ExpiredProviderToken: the token must be renewed; the delivery is retried at once.
        case providerTokenExpired(Reply)
    }

    static let deadReasons: Set<String> = ["Unregistered", "ExpiredToken", "BadDeviceToken", "DeviceTokenNotForTopic"]

    static func classify(_ result: Result<HTTPResponse, TransportError>) -> Verdict {
        let response: HTTPResponse
        switch result {
        case .failure(let error):
            return .result(.failed(error.outcome))
        case .success(let answer): response = answer
        }
        let reason = Self.reason(response.body)
        let reply = Reply(code: "\(response.status)", text: reason ?? "")
        switch response.status {
        case 200:
            return .result(.accepted(providerID: response.headers["apns-id"], reply: reply))
        case 410:
            return .result(.dead(reply: reply))
        case 400 where deadReasons.contains(reason ?? ""):
            return .result(.dead(reply: reply))
        case 403 where reason == "ExpiredProviderToken":
            return .providerTokenExpired(reply)
        case 403:
            return .result(.failed(.credentialsInvalid(reply: reply)))
        case 400 where reason == "TopicDisallowed":
            return .result(.failed(.credentialsInvalid(reply: reply)))
        case 400 where reason == "IdleTimeout":
            return .result(.failed(.transient(reply: reply, retryAfter: nil)))
        case 429:
            return .result(.failed(.throttled(reply: reply, retryAfter: response.retryAfter)))
        case 500...599:
            return .result(.failed(.transient(reply: reply, retryAfter: response.retryAfter)))
        default:
            return .result(.failed(.permanent(reply: reply)))
        }
    }

    /// `{"reason":"BadDeviceToken"}` → BadDeviceToken.
    static func reason(_ body: [UInt8]) -> String? {
        guard !body.isEmpty, case .object(let object)? = try? JSONParser.parse(body),
            case .string(let reason)? = object["reason"]
        else { return nil }
        return String(reason.prefix(80))
    }
}
