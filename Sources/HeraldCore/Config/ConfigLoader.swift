import Foundation
import HeraldPluginAPI

/// Loads and validates `herald.toml`: `herald check` and `herald run` call this same function, so what passes the
/// check is what runs. Every error names the file, the line, the key and what a good value looks like.
public enum ConfigLoader {
    static let topLevelKeys: Set<String> = [
        "spool", "state", "templates", "log", "retry", "intake", "channel", "drain_timeout",
    ]
    static let channelCoreKeys: Set<String> = [
        "name", "plugin", "rate", "concurrency", "batch", "paused", "credentials_pause", "domain_rate", "default_domain_rate",
    ]

    public static func load(path: String) throws(ConfigError) -> HeraldConfig {
        guard let text = readTextFile(path) else {
            throw ConfigError(file: path, line: nil, scope: "", key: "file", reason: "cannot read the config file")
        }
        return try parse(text: text, file: path)
    }

    public static func parse(text: String, file: String) throws(ConfigError) -> HeraldConfig {
        let source = try TOMLSource(text: text, file: file)
        let base = (file as NSString).deletingLastPathComponent
        let baseDirectory = base.isEmpty ? FileManager.default.currentDirectoryPath : absolute(base, base: "")
        func table(_ name: String) throws(ConfigError) -> PluginConfig {
            var values: [String: ConfigValue] = [:]
            switch source.root[name] {
            case nil: break
            case .table(let members): values = members
            case let other?:
                throw ConfigError(
                    file: file, line: source.lines[""]?[name], scope: "", key: name,
                    reason: "must be a table [\(name)], not \(other.typeName)")
            }
            return PluginConfig(values: values, file: file, scope: name, lines: source.lines[name] ?? [:])
        }

        let top = PluginConfig(values: source.root, file: file, scope: "", lines: source.lines[""] ?? [:])
        try top.rejectUnknownKeys(allowed: topLevelKeys)
        func path(_ key: String, _ fallback: String) throws(ConfigError) -> String {
            absolute(try top.string(key) ?? fallback, base: baseDirectory)
        }

        let logTable = try table("log")
        try logTable.rejectUnknownKeys(allowed: ["delivery", "recipients"])
        let recipients = try logTable.string("recipients") ?? "masked"
        guard recipients == "masked" || recipients == "full" else {
            throw logTable.error("recipients", "must be \"masked\" or \"full\"")
        }
        let log = HeraldConfig.Log(
            delivery: absolute(try logTable.string("delivery") ?? "/var/log/herald/delivery.log", base: baseDirectory),
            fullRecipients: recipients == "full")

        let retryTable = try table("retry")
        try retryTable.rejectUnknownKeys(allowed: ["min", "max", "max_age"])
        let retry = HeraldConfig.Retry(
            min: try retryTable.duration("min", default: .seconds(30), in: .milliseconds(10)...(.seconds(86_400))),
            max: try retryTable.duration("max", default: .seconds(3600), in: .milliseconds(10)...(.seconds(7 * 86_400))),
            maxAge: try retryTable.duration(
                "max_age", default: .seconds(86_400), in: .seconds(1)...(.seconds(30 * 86_400))))
        guard retry.max >= retry.min else { throw retryTable.error("max", "must be at least retry.min") }

        let intakeTable = try table("intake")
        try intakeTable.rejectUnknownKeys(allowed: ["batch", "rescan", "max_size", "submit_group"])
        let intake = HeraldConfig.Intake(
            batch: try intakeTable.int("batch", default: 1000, in: 1...10_000),
            rescan: try intakeTable.duration("rescan", default: .seconds(30), in: .seconds(1)...(.seconds(3600))),
            maxFileSize: try intakeTable.int("max_size", default: 1 << 20, in: 1024...(64 << 20)),
            submitGroup: try intakeTable.string("submit_group"))

        let channels = try parseChannels(source: source, file: file)
        return HeraldConfig(
            file: file, baseDirectory: baseDirectory, spool: try path("spool", "/var/spool/herald"),
            state: try path("state", "/var/lib/herald"), templates: try path("templates", "/etc/herald/templates"),
            log: log, retry: retry, intake: intake,
            drainTimeout: try top.duration("drain_timeout", default: .seconds(30), in: .zero...(.seconds(3600))),
            channels: channels)
    }

    private static func parseChannels(source: TOMLSource, file: String) throws(ConfigError) -> [HeraldConfig.Channel] {
        guard let raw = source.root["channel"] else {
            throw ConfigError(
                file: file, line: nil, scope: "", key: "channel",
                reason: "at least one [[channel]] is required, e.g. name = \"email\", plugin = \"file\"")
        }
        guard case .array(let items) = raw else {
            throw ConfigError(
                file: file, line: source.lines[""]?["channel"], scope: "", key: "channel",
                reason: "write channels as [[channel]] tables")
        }
        var channels: [HeraldConfig.Channel] = []
        for (index, item) in items.enumerated() {
            guard case .table(var values) = item else {
                throw ConfigError(file: file, line: nil, scope: "channel[\(index)]", key: "", reason: "must be a table")
            }
            let lines = source.lines["channel#\(index)"] ?? [:]
            let scope = PluginConfig(values: values, file: file, scope: "channel[\(index)]", lines: lines)
            let name = try scope.requiredString("name", example: "email")
            let core = PluginConfig(values: values, file: file, scope: "channel \"\(name)\"", lines: lines)
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), name.count <= 64 else {
                throw core.error("name", "use letters, digits, - and _ only")
            }
            guard !channels.contains(where: { $0.name == name }) else {
                throw core.error("name", "another [[channel]] already has this name")
            }
            let plugin = try core.requiredString("plugin", example: "webhook")
            var rate: Rate?
            if let text = try core.string("rate") {
                guard let parsed = Rate(text) else { throw core.error("rate", "\"\(text)\" is not a rate like \"200/s\" or \"50/min\"") }
                rate = parsed
            }
            let concurrency = values["concurrency"] == nil ? nil : try core.int("concurrency", default: 1, in: 1...4096)
            var domainRates: [String: Rate] = [:]
            for (domain, text) in try core.stringTable("domain_rate") {
                guard let parsed = Rate(text) else {
                    throw core.error("domain_rate", "\(domain) = \"\(text)\" is not a rate like \"50/s\" or \"600/min\"")
                }
                guard !domain.isEmpty, domain.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                    throw core.error("domain_rate", "\"\(domain)\" is not a domain like gmail.com")
                }
                domainRates[domain.lowercased()] = parsed
            }
            var defaultDomainRate: Rate?
            if let text = try core.string("default_domain_rate") {
                guard let parsed = Rate(text) else {
                    throw core.error("default_domain_rate", "\"\(text)\" is not a rate like \"20/s\"")
                }
                defaultDomainRate = parsed
            }
            let batch = values["batch"] == nil ? nil : try core.int("batch", default: 1, in: 1...10_000)
            let channel = HeraldConfig.Channel(
                name: name, plugin: plugin, rate: rate, concurrency: concurrency, batch: batch,
                paused: try core.bool("paused", default: false),
                credentialsPause: try core.duration(
                    "credentials_pause", default: .seconds(300), in: .seconds(1)...(.seconds(86_400))),
                pluginConfig: PluginConfig(values: [:], file: file, scope: "channel \"\(name)\"", lines: lines))
            for key in channelCoreKeys { values[key] = nil }
            var bound = channel
            bound.domainRates = domainRates
            bound.defaultDomainRate = defaultDomainRate
            bound.pluginConfig.values = values
            channels.append(bound)
        }
        return channels
    }

    static func absolute(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        let root = base.isEmpty ? FileManager.default.currentDirectoryPath : base
        let joined = root.hasPrefix("/") ? root + "/" + path : FileManager.default.currentDirectoryPath + "/" + root + "/" + path
        return (joined as NSString).standardizingPath
    }
}
