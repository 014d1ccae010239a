import HeraldCrypto
import HeraldPluginAPI

/// The keys of a provider mode: where the provider's API is, whose account, and the credential. Base URLs are
/// configurable so tests point at loopback; credentials come from files (`*_file`, a bare name read from
/// `$CREDENTIALS_DIRECTORY`).
struct ProviderSettings: Sendable {
    static let keys: Set<String> = [
        "url", "account_id", "api_token", "api_token_file", "website_id", "identifier", "key", "key_file",
        "access_token", "access_token_file", "admin_id", "page_id", "page_token", "page_token_file", "version",
        "message_tag", "timeout", "connect_timeout", "ca_file",
    ]

    /// The provider's base URL, no trailing slash.
    var url: String
    /// Chatwoot's account id, Crisp's website id, Messenger's page id.
    var account: String
    /// The header lines that authenticate a request.
    var authorization: [String]
    /// Intercom: the admin the reply is from.
    var adminID: String?
    /// Messenger: the Graph API version and the tag used outside the 24-hour window for non-marketing messages.
    var version: String
    var messageTag: String
    var timeout: Duration
    var connectTimeout: Duration
    var caFile: String?

    init(_ provider: LiveChatConfig.Provider, config: PluginConfig, context: PluginContext) throws(ConfigError) {
        let defaults: [LiveChatConfig.Provider: String] = [
            .crisp: "https://api.crisp.chat", .intercom: "https://api.intercom.io", .messenger: "https://graph.facebook.com",
        ]
        guard let base = try config.string("url") ?? defaults[provider] else {
            throw config.error("url", "the Chatwoot installation's base URL is required, e.g. https://app.chatwoot.com")
        }
        let checked = try config.checkHTTPURL(base, key: "url")
        url = checked.hasSuffix("/") ? String(checked.dropLast()) : checked
        version = try config.string("version") ?? "v25.0"
        messageTag = try config.string("message_tag") ?? "ACCOUNT_UPDATE"
        timeout = try config.duration("timeout", default: .seconds(30), in: .seconds(1)...(.seconds(300)))
        connectTimeout = try config.duration("connect_timeout", default: .seconds(10), in: .seconds(1)...(.seconds(120)))
        caFile = try config.string("ca_file").map(context.resolve(path:))
        func required(_ key: String, _ example: String) throws(ConfigError) -> String {
            guard let value = try config.string(key), !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            else { throw config.error(key, "required for provider \(provider.rawValue): \(example)") }
            return value
        }
        func secret(_ key: String) throws(ConfigError) -> String {
            guard let value = try config.secret(key, context: context), !value.isEmpty,
                !value.contains(where: { $0 == "\r" || $0 == "\n" })
            else { throw config.error(key + "_file", "the provider's credential is required (one line)") }
            return value
        }
        adminID = nil
        switch provider {
        case .builtin:
            account = ""
            authorization = []
        case .chatwoot:
            account = try required("account_id", "the account's numeric id")
            authorization = ["api_access_token: " + (try secret("api_token"))]
        case .crisp:
            account = try required("website_id", "the website's id")
            let identifier = try required("identifier", "the plugin token's identifier")
            let key = try secret("key")
            authorization = ["Authorization: Basic " + Base64.encode(Array("\(identifier):\(key)".utf8)), "X-Crisp-Tier: plugin"]
        case .intercom:
            account = ""
            adminID = try required("admin_id", "the id of the admin the replies come from")
            authorization = ["Authorization: Bearer " + (try secret("access_token")), "Intercom-Version: 2.11"]
        case .messenger:
            account = try required("page_id", "the Facebook page's id")
            authorization = ["Authorization: Bearer " + (try secret("page_token"))]
        }
    }
}
