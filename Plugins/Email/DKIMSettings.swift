import HeraldCrypto
import HeraldPluginAPI

/// Reads the `dkim` key: one table `{ domain, selector, key_file }` or an array of them (several signatures,
/// e.g. Ed25519 and RSA side by side, RFC 8463). Keys are loaded once, at start, so a bad key stops `herald check`.
enum DKIMSettings {
    static func signers(_ config: PluginConfig, context: PluginContext) throws(ConfigError) -> [DKIMSigner] {
        let tables: [[String: ConfigValue]]
        switch config.values["dkim"] {
        case nil: return []
        case .table(let table): tables = [table]
        case .array(let items):
            var list: [[String: ConfigValue]] = []
            for item in items {
                guard case .table(let table) = item else { throw config.error("dkim", "each entry must be a table") }
                list.append(table)
            }
            tables = list
        case let other?:
            throw config.error("dkim", "must be a table like { domain = \"shop.example\", selector = \"s1\", key_file = \"dkim.pem\" }, not \(other.typeName)")
        }
        var signers: [DKIMSigner] = []
        for table in tables {
            for key in table.keys where !["domain", "selector", "key_file"].contains(key) {
                throw config.error("dkim", "unknown key \(key); known keys: domain, key_file, selector")
            }
            func text(_ key: String, _ example: String) throws(ConfigError) -> String {
                guard case .string(let value)? = table[key], !value.isEmpty else {
                    throw config.error("dkim", "\(key) is required, e.g. \(key) = \"\(example)\"")
                }
                guard value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-/".contains($0)) }) else {
                    throw config.error("dkim", "\(key) \"\(value)\" has characters outside letters, digits, . _ - /")
                }
                return value
            }
            let domain = try text("domain", "shop.example")
            let selector = try text("selector", "s2026")
            let path = context.resolve(path: try text("key_file", "/etc/herald/dkim-s2026.pem"))
            let key: DKIMKey
            do {
                key = try DKIMKey(pemFile: path)
            } catch {
                throw config.error("dkim", "\(error)")
            }
            signers.append(DKIMSigner(domain: domain, selector: selector, key: key))
        }
        return signers
    }
}
