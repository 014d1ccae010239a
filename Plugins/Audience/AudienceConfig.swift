import GoogleAuth
import HeraldCrypto
import HeraldPluginAPI

/// The `audience` channel's keys, each read once here with its default and bounds. `provider` picks the ad
/// platform; `audiences` maps the names messages use to the platform's audience ids.
struct AudienceConfig: Sendable {
    static let keys: Set<String> = [
        "provider", "audiences", "default_country", "max_rows", "max_body", "timeout", "connect_timeout",
        "ca_file", "url", "version", "access_token", "access_token_file", "secret", "secret_file",
        "service_account_file", "token_url", "account_id", "account_type", "consent",
    ]

    var provider: AudienceProvider
    /// name → the provider's audience id.
    var audiences: [String: String]
    /// ISO 3166-1 alpha-2, upper case: the country of phone numbers written without one.
    var defaultCountry: String?
    var maxRows: Int
    var maxBody: Int
    var url: String
    var timeout: Duration
    var connectTimeout: Duration
    var caFile: String?
    var meta: Meta?
    var generic: Generic?
    var google: Google?

    struct Meta: Sendable {
        var version: String
        var accessToken: String
    }

    struct Generic: Sendable {
        var key: StandardWebhookKey?
    }

    static let defaultURLs: [AudienceProvider: String] = [
        .meta: "https://graph.facebook.com", .google: "https://datamanager.googleapis.com",
    ]
    /// Meta documents 10,000 rows per request; in practice bodies over about 65 KB fail, so 60 KB by default.
    /// A generic receiver is ours: a whole batch of 10,000 members (~2 MB) fits its default.
    static let defaultMaxRows = 10_000
    static let defaultMaxBody: [AudienceProvider: Int] = [.meta: 60 * 1024, .google: 8 * 1024 * 1024, .generic: 8 * 1024 * 1024]

    init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        provider = try Self.provider(config)
        audiences = try Self.audiences(config)
        if let country = try config.string("default_country") {
            guard country.utf8.count == 2, CountryCallingCodes.plan(for: country.uppercased()) != nil else {
                throw config.error("default_country", "\"\(country)\" is not an ISO 3166-1 alpha-2 code with a calling code, such as MY")
            }
            defaultCountry = country.uppercased()
        }
        maxRows = try config.int("max_rows", default: Self.defaultMaxRows, in: 1...10_000)
        maxBody = try config.int(
            "max_body", default: Self.defaultMaxBody[provider] ?? 60 * 1024, in: 1024...(32 * 1024 * 1024))
        timeout = try config.duration("timeout", default: .seconds(60), in: .milliseconds(100)...(.seconds(300)))
        connectTimeout = try config.duration("connect_timeout", default: .seconds(10), in: .milliseconds(100)...(.seconds(60)))
        caFile = try config.string("ca_file").map(context.resolve(path:))
        let given = try config.string("url")
        guard let url = given ?? Self.defaultURLs[provider] else {
            throw config.error("url", "the \(provider.rawValue) provider needs a url, e.g. https://ads.example.com/audiences")
        }
        let checked = try config.checkHTTPURL(url, key: "url")
        self.url = checked.hasSuffix("/") ? String(checked.dropLast()) : checked
        switch provider {
        case .meta:
            guard let token = try config.secret("access_token", context: context), !token.isEmpty else {
                throw config.error("access_token_file", "the meta provider needs a Marketing API access token")
            }
            let version = try config.string("version") ?? "v25.0"
            guard version.hasPrefix("v"), version.utf8.dropFirst().allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E }) else {
                throw config.error("version", "\"\(version)\" is not a Graph API version like v25.0")
            }
            meta = Meta(version: version, accessToken: token)
        case .generic:
            var key: StandardWebhookKey?
            if let text = try config.secret("secret", context: context) {
                do {
                    key = try StandardWebhookKey(parsing: text)
                } catch {
                    throw config.error(config.values["secret_file"] == nil ? "secret" : "secret_file", error.description)
                }
            }
            generic = Generic(key: key)
        case .google:
            google = try Google(config, context: context)
        }
    }

    static func provider(_ config: PluginConfig) throws(ConfigError) -> AudienceProvider {
        let name = try config.requiredString("provider", example: "meta")
        guard let provider = AudienceProvider(rawValue: name) else {
            throw config.error("provider", "\"\(name)\" is not one of meta, google, generic")
        }
        return provider
    }

    /// `audiences = { "cart-abandoners" = "23850000000000" }`: at least one; ids are one line.
    static func audiences(_ config: PluginConfig) throws(ConfigError) -> [String: String] {
        let table = try config.stringTable("audiences")
        guard !table.isEmpty else {
            throw config.error("audiences", "name at least one audience, e.g. audiences = { \"cart-abandoners\" = \"23850000000000\" }")
        }
        for (name, id) in table where id.isEmpty || id.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) {
            throw config.error("audiences", "the id of \"\(name)\" must be one non-empty line")
        }
        return table
    }
}
