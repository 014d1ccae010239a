import GoogleAuth
import HeraldPluginAPI

extension AudienceConfig {
    /// The google provider's keys (Data Manager API, PROTOCOLS §6.3): the service account whose token the requests
    /// carry, the Google Ads account the audiences belong to, and the channel's consent signals. Its requests are
    /// counted by Google per Cloud project (300 a minute for ingestion), not per member, so the plugin's limits
    /// stay as they are: a call of 10,000 members is one request.
    struct Google: Sendable {
        static let accountTypes: Set<String> = ["GOOGLE_ADS", "DISPLAY_VIDEO_PARTNER", "DISPLAY_VIDEO_ADVERTISER", "DATA_PARTNER"]

        /// Read once here, so a bad key file stops the start (and `herald check`), naming the key.
        var account: GoogleServiceAccount
        /// Where the assertion is exchanged; nil: the file's `token_uri`.
        var tokenURL: String?
        /// The operating account's id, digits only (`123-456-7890` → `1234567890`).
        var accountID: String
        var accountType: String
        /// `ad_user_data`, `ad_personalization` → `granted` | `denied`: the channel's default, which a message's
        /// `audience.consent` overrides per member.
        var consent: [String: String]

        init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
            let file = context.resolve(path: try config.requiredString("service_account_file", example: "google-service-account.json"))
            do {
                account = try GoogleServiceAccount(file: file)
            } catch {
                throw config.error("service_account_file", error.description)
            }
            if let url = try config.string("token_url") {
                tokenURL = try config.checkHTTPURL(url, key: "token_url")
            }
            let id = try config.requiredString("account_id", example: "123-456-7890")
            let digits = id.filter { $0 != "-" }
            guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw config.error("account_id", "\"\(id)\" is not a Google Ads customer id such as 123-456-7890")
            }
            accountID = digits
            accountType = try config.string("account_type") ?? "GOOGLE_ADS"
            guard Self.accountTypes.contains(accountType) else {
                throw config.error("account_type", "\"\(accountType)\" is not one of " + Self.accountTypes.sorted().joined(separator: ", "))
            }
            consent = ["ad_user_data": "granted", "ad_personalization": "granted"]
            for (key, value) in try config.stringTable("consent") {
                guard AudienceRequest.consentKeys.contains(key) else {
                    throw config.error("consent", "unknown member \(key); known: " + AudienceRequest.consentKeys.joined(separator: ", "))
                }
                guard value == "granted" || value == "denied" else {
                    throw config.error("consent", "\(key) must be \"granted\" or \"denied\"")
                }
                consent[key] = value
            }
        }
    }
}
