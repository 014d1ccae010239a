import Foundation
import HeraldPluginAPI

extension HeraldConfig {
    /// The `[http]` table: where Herald's own small HTTP server listens (one-click unsubscribe, its confirmation
    /// page, metrics) and the public address mail links point at. Values only; the server is elsewhere. Off (nil)
    /// when `listen` is absent.
    public struct HTTP: Sendable, Equatable {
        static let keys: Set<String> = ["listen", "public_url"]

        /// `listen = "127.0.0.1:8025"`: host:port, an IPv6 literal in brackets (`[::1]:8025`). Required to turn the
        /// server on.
        public var listen: ListenAddress
        /// `public_url = "https://shop.example"`: the http(s) base the unsubscribe confirmation page posts back to,
        /// without a trailing slash. Optional.
        public var publicURL: String?

        public init(listen: ListenAddress, publicURL: String? = nil) {
            self.listen = listen
            self.publicURL = publicURL
        }

        /// Reads `[http]`; nil when the table (or its `listen`) is absent.
        static func parse(_ table: PluginConfig) throws(ConfigError) -> HTTP? {
            try table.rejectUnknownKeys(allowed: keys)
            guard let text = try table.string("listen") else {
                if !table.values.isEmpty {
                    throw table.error("listen", "is required to turn [http] on, e.g. listen = \"127.0.0.1:8025\"")
                }
                return nil
            }
            guard let listen = ListenAddress(text) else {
                throw table.error(
                    "listen",
                    "\"\(text)\" is not host:port like \"127.0.0.1:8025\", \"localhost:8025\" or \"[::1]:8025\"")
            }
            var publicURL: String?
            if let url = try table.string("public_url") {
                guard let checked = HTTPURL.check(url) else {
                    throw table.error(
                        "public_url", "\"\(url)\" is not an http:// or https:// URL like \"https://shop.example\"")
                }
                publicURL = checked.hasSuffix("/") ? String(checked.dropLast()) : checked
            }
            return HTTP(listen: listen, publicURL: publicURL)
        }
    }

    /// A host and port to listen on, as written in the config: an IPv4 or IPv6 literal or a host name.
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        /// Without brackets: "127.0.0.1", "::1", "localhost".
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// "host:port" or "[v6]:port"; port 1…65535; nil for anything else.
        public init?(_ text: String) {
            let host: Substring
            let portText: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]") else { return nil }
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
                guard Self.isIPv6(String(host)) else { return nil }
            } else {
                guard let colon = text.lastIndex(of: ":") else { return nil }
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
                guard Self.isIPv4(String(host)) || Self.isHostName(host) else { return nil }
            }
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let port = Int(portText), (1...65_535).contains(port)
            else { return nil }
            self.host = String(host)
            self.port = port
        }

        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }

        static func isIPv4(_ text: String) -> Bool {
            var address = in_addr()
            return inet_pton(AF_INET, text, &address) == 1
        }

        static func isIPv6(_ text: String) -> Bool {
            var address = in6_addr()
            return inet_pton(AF_INET6, text, &address) == 1
        }

        /// Letters, digits and hyphens in dot-separated labels of 1–63; not all digits (that would be a bad IPv4).
        static func isHostName(_ text: Substring) -> Bool {
            let labels = text.split(separator: ".", omittingEmptySubsequences: false)
            guard !text.isEmpty, text.count <= 253, !text.allSatisfy({ $0.isNumber || $0 == "." }) else { return false }
            return labels.allSatisfy { label in
                (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
        }
    }
}

/// The URL rule the core's own keys share: http:// or https://, a host, no spaces or control characters.
enum HTTPURL {
    static func check(_ text: String) -> String? {
        let rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        guard let first = rest.first, first != "/", first != ":", first != "?", first != "#",
            !text.unicodeScalars.contains(where: { $0.value <= 32 || $0.value == 127 })
        else { return nil }
        return text
    }
}
