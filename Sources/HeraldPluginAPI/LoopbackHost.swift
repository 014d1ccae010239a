#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Decides whether a host written in a config names this machine's loopback interface, where no one on the
/// network can read or strip what is sent (the one place a password may go without TLS). Decided by parsing the
/// address with `inet_pton`, never by its text: `127.0.0.1`, `127.8.9.10`, `::1`, `[::1]` and the IPv4-mapped
/// `::ffff:127.0.0.1` are loopback, and so is the name `localhost` (RFC 6761; libcurl answers it itself), but
/// `127.example.com` or `localhost.example.com` are names any DNS server may point anywhere. Forms `inet_pton`
/// does not take (`127.1`, `0x7f.0.0.1`, zone ids) count as remote: the strict side.
public enum LoopbackHost {
    /// `host` as in a URL authority: a name, an IPv4 literal, or an IPv6 literal with or without brackets.
    public static func contains(_ host: String) -> Bool {
        var text = Substring(host)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        let lowered = text.lowercased()
        if lowered == "localhost" || lowered == "localhost." { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, lowered, &v4) == 1 {
            // s_addr is in network byte order: its first byte in memory is the first octet.
            return withUnsafeBytes(of: &v4) { $0[0] } == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, lowered, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }  // ::1
        // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d.
        let mapped = bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff
        return mapped && bytes[12] == 127
    }

    /// The host of `scheme://[user@]host[:port][/…]` is loopback; false for text that is not such a URL.
    public static func contains(url: String) -> Bool {
        guard let host = host(ofURL: url) else { return false }
        return contains(host)
    }

    /// The host part of a URL's authority, brackets kept for IPv6; nil when there is no `://`.
    public static func host(ofURL url: String) -> String? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[...close])
        }
        return String(authority.prefix { $0 != ":" })
    }
}
