/// Which push services a channel lets Web Push endpoints point at (`webpush.allowed_origins`). An endpoint is a
/// URL the producer hands in, so without this list Herald would POST wherever a message says. An entry is a host
/// (`web.push.apple.com`, HTTPS on 443), a wildcard host (`*.notify.windows.com`: any subdomain, not the bare
/// domain) or a full origin (`https://127.0.0.1:8443`).
public struct WebPushOrigins: Sendable, Equatable {
    /// The real push services of the browsers in use.
    public static let defaults = [
        "fcm.googleapis.com", "updates.push.services.mozilla.com", "web.push.apple.com", "*.notify.windows.com",
    ]

    struct Pattern: Sendable, Equatable {
        var host: String
        var wildcard: Bool
        var port: Int
    }

    let patterns: [Pattern]
    public let entries: [String]

    /// Allows nothing.
    static let empty = WebPushOrigins(patterns: [], entries: [])
    /// `defaults`, parsed once (they are well-formed; `empty` only if they ever were not).
    static let standard = (try? WebPushOrigins(defaults)) ?? empty

    private init(patterns: [Pattern], entries: [String]) {
        self.patterns = patterns
        self.entries = entries
    }

    /// Throws the first entry that is not one of the three forms, and why.
    public init(_ entries: [String]) throws(OriginError) {
        var patterns: [Pattern] = []
        for entry in entries {
            let text = entry.lowercased()
            let authority = text.hasPrefix("https://") ? String(text.dropFirst(8)) : text
            guard let origin = Self.authority(authority), !text.hasPrefix("http://") else {
                throw OriginError(entry: entry, reason: "must be a host, *.domain or https://host[:port]")
            }
            let wildcard = origin.host.hasPrefix("*.")
            let host = wildcard ? String(origin.host.dropFirst(2)) : origin.host
            guard !host.isEmpty, !host.contains("*") else {
                throw OriginError(entry: entry, reason: "a wildcard stands only first, as in *.notify.windows.com")
            }
            patterns.append(Pattern(host: host, wildcard: wildcard, port: origin.port))
        }
        self.patterns = patterns
        self.entries = entries
    }

    /// The origin of an endpoint (`https://host[:port]`, as VAPID's `aud` wants it) when the endpoint is an
    /// HTTPS URL on an allowed push service; nil otherwise.
    public func origin(of endpoint: String) -> String? {
        let text = endpoint.lowercased()
        guard text.hasPrefix("https://") else { return nil }
        let rest = text.dropFirst(8)
        let authorityText = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let origin = Self.authority(String(authorityText)) else { return nil }
        let allowed = patterns.contains { pattern in
            pattern.port == origin.port
                && (pattern.wildcard ? origin.host.hasSuffix("." + pattern.host) : origin.host == pattern.host)
        }
        guard allowed else { return nil }
        return "https://" + origin.host + (origin.port == 443 ? "" : ":\(origin.port)")
    }

    /// `host[:port]` with a plain host: letters, digits, `-`, `.`, `*` (patterns), or an IPv4 address; no user
    /// info, no path.
    static func authority(_ text: String) -> (host: String, port: Int)? {
        guard !text.isEmpty, !text.contains("@"), !text.contains("/") else { return nil }
        var host = Substring(text)
        var port = 443
        if let colon = text.lastIndex(of: ":") {
            guard let number = Int(text[text.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            host = text[..<colon]
        }
        let allowed = host.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." || $0 == "*"
        }
        guard allowed, !host.isEmpty, !host.hasPrefix("."), !host.hasSuffix(".") else { return nil }
        return (String(host), port)
    }
}

public struct OriginError: Error, Sendable, Equatable {
    public var entry: String
    public var reason: String
}
