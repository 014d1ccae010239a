import Foundation
import HeraldPluginAPI

extension HeraldConfig {
    /// The `[database]` table: the PostgreSQL database several Herald hosts share as one sender. Values only;
    /// the connection is `HeraldPostgres`'s. Absent: everything stays in SQLite under `state`, as before.
    ///
    /// | key | default | |
    /// |---|---|---|
    /// | `url` | required | `postgres://USER@HOST:PORT/DATABASE` (no password in it) |
    /// | `password_file` / `password` | none | the role's password; a bare name is read from `$CREDENTIALS_DIRECTORY` |
    /// | `tls` | `verify-full` | `verify-full` (certificate and host checked), `require` (encrypted, certificate not checked), `disable` (loopback only) |
    /// | `ca_file` | system CAs | PEM bundle for a private CA |
    /// | `host_name` | this machine's host name | how this host appears in `herald queue` and as a lease owner |
    /// | `lease` | `60s` | 5s…1h: how long a host holds a claimed message before another may take it over |
    public struct Database: Sendable, Equatable {
        static let keys: Set<String> = ["url", "password", "password_file", "tls", "ca_file", "host_name", "lease"]

        public enum TLS: String, Sendable, Equatable {
            case verifyFull = "verify-full"
            case require
            case disable
        }

        public var host: String
        public var port: Int
        public var user: String
        public var database: String
        public var password: String?
        public var tls: TLS
        public var caFile: String?
        public var hostName: String
        public var lease: Duration

        /// Reads `[database]`; nil when the table is absent.
        static func parse(_ table: PluginConfig, context: PluginContext) throws(ConfigError) -> Database? {
            guard !table.values.isEmpty else { return nil }
            try table.rejectUnknownKeys(allowed: keys)
            let example = "url = \"postgres://herald@db.shop.example:5432/herald\""
            let url = try table.requiredString("url", example: "postgres://herald@db.shop.example:5432/herald")
            guard let parsed = Self.parseURL(url) else {
                throw table.error("url", "\"\(url)\" is not postgres://USER@HOST[:PORT]/DATABASE (password in password_file); \(example)")
            }
            let tlsText = try table.string("tls") ?? "verify-full"
            guard let tls = TLS(rawValue: tlsText) else {
                throw table.error("tls", "\"\(tlsText)\" is not one of verify-full, require, disable")
            }
            if tls == .disable, !LoopbackHost.contains(url: "postgres://" + parsed.host) {
                throw table.error(
                    "tls", "\"disable\" would send the password and every address in clear to \(parsed.host); only a loopback database may go without TLS")
            }
            var hostName = ProcessInfo.processInfo.hostName
            if let name = try table.string("host_name") {
                guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                    throw table.error("host_name", "\"\(name)\": use 1–64 letters, digits, '-', '_' and '.'")
                }
                hostName = name
            }
            return Database(
                host: parsed.host, port: parsed.port, user: parsed.user, database: parsed.database,
                password: try table.secret("password", context: context), tls: tls,
                caFile: try table.string("ca_file").map(context.resolve(path:)), hostName: hostName,
                lease: try table.duration("lease", default: .seconds(60), in: .seconds(5)...(.seconds(3600))))
        }

        /// `postgres://user@host:port/db` (or `postgresql://`) into its parts; nil when it is not that shape or
        /// carries a password.
        static func parseURL(_ text: String) -> (user: String, host: String, port: Int, database: String)? {
            guard let scheme = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<scheme.lowerBound]) else { return nil }
            let rest = text[scheme.upperBound...]
            guard let at = rest.firstIndex(of: "@"), let slash = rest[at...].firstIndex(of: "/") else { return nil }
            let user = String(rest[..<at])
            guard !user.isEmpty, !user.contains(":") else { return nil }
            let authority = rest[rest.index(after: at)..<slash]
            let database = String(rest[rest.index(after: slash)...])
            guard !database.isEmpty, !database.contains("/"), !database.contains("?") else { return nil }
            var host = String(authority)
            var port = 5432
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let tail = authority[authority.index(after: close)...]
                if !tail.isEmpty {
                    guard tail.hasPrefix(":"), let number = Int(tail.dropFirst()) else { return nil }
                    port = number
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                guard let number = Int(authority[authority.index(after: colon)...]) else { return nil }
                port = number
            }
            guard !host.isEmpty, (1...65535).contains(port) else { return nil }
            return (user, host, port, database)
        }
    }
}
