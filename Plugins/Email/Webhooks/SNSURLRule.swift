/// Which URLs an SNS message may send Herald to: the `SigningCertURL` it is verified with and the `SubscribeURL` a
/// confirmation asks to be fetched. Both must be `https` on an allowed host, so a forged message can neither supply
/// its own certificate nor make Herald fetch an arbitrary URL; the certificate URL's path must also end `.pem`.
/// The default host rule is AWS's `^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$` (matched by hand, DNS names
/// compared case-insensitively); `cert_hosts` replaces it with an exact list (a test serving its certificate from
/// loopback). A port is allowed and ignored; user info, a missing host or a non-https scheme are refused.
enum SNSURLRule: Sendable, Equatable {
    case amazon
    case exact(Set<String>)

    /// Whether `host` (lower-cased, without port or brackets) is allowed.
    func allows(host: String) -> Bool {
        switch self {
        case .exact(let hosts): return hosts.contains(host)
        case .amazon:
            guard host.hasPrefix("sns.") else { return false }
            var rest = host.dropFirst(4)
            if rest.hasSuffix(".amazonaws.com.cn") {
                rest = rest.dropLast(".amazonaws.com.cn".count)
            } else if rest.hasSuffix(".amazonaws.com") {
                rest = rest.dropLast(".amazonaws.com".count)
            } else {
                return false
            }
            return rest.count >= 3 && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// Refuses a `SigningCertURL` that is not https on an allowed host with a path ending `.pem`.
    func checkCertificate(_ url: String) throws(WebhookError) {
        guard let parts = Self.split(url), allows(host: parts.host), parts.path.hasSuffix(".pem") else {
            throw .forbidden("SigningCertURL must be an https URL of a .pem file on \(allowedText)")
        }
    }

    /// Refuses a `SubscribeURL` that is not https on an allowed host.
    func checkSubscribe(_ url: String) throws(WebhookError) {
        guard let parts = Self.split(url), allows(host: parts.host) else {
            throw .forbidden("SubscribeURL must be an https URL on \(allowedText)")
        }
    }

    private var allowedText: String {
        switch self {
        case .amazon: "sns.<region>.amazonaws.com"
        case .exact(let hosts): "one of the configured cert_hosts (\(hosts.sorted().joined(separator: ", ")))"
        }
    }

    /// The host (lower-cased, no port, no brackets) and path of an https URL; nil for anything else.
    static func split(_ url: String) -> (host: String, path: Substring)? {
        guard url.hasPrefix("https://"), !url.contains(where: { $0.isWhitespace || !$0.isASCII }) else { return nil }
        let rest = url.dropFirst("https://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let afterAuthority = rest[authorityEnd...]
        let path = afterAuthority.prefix { $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), !authority.contains("\\") else { return nil }
        var host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let port = authority[authority.index(after: close)...]
            guard port.isEmpty || (port.hasPrefix(":") && port.dropFirst().allSatisfy(\.isNumber)) else { return nil }
        } else {
            host = authority
            if let colon = authority.firstIndex(of: ":") {
                guard authority[authority.index(after: colon)...].allSatisfy(\.isNumber) else { return nil }
                host = authority[..<colon]
            }
        }
        guard !host.isEmpty else { return nil }
        return (host.lowercased(), path)
    }
}
