import Foundation
import HeraldPluginAPI
import Logging

/// Loads and validates `herald.toml`: `herald check` and `herald run` call this same function, so what passes the
/// check is what runs. Every error names the file, the line, the key and what a good value looks like.
public enum ConfigLoader {
    static let topLevelKeys: Set<String> = [
        "spool", "state", "templates", "log", "retry", "intake", "channel", "drain_timeout", "policy", "http",
        "callbacks", "dedup_window", "stats", "database",
    ]
    static let channelCoreKeys: Set<String> = [
        "name", "plugin", "rate", "concurrency", "batch", "paused", "credentials_pause", "domain_rate", "default_domain_rate",
        "fallback", "fallback_after", "adaptive_concurrency", "dead_after", "fallback_after_down",
        "batch_linger", "remove_on_suppress", "max_wait",
    ]

    /// `credentialsDirectory` is where bare `*_file` names of the core's own secrets resolve (systemd credentials).
    public static func load(
        path: String, credentialsDirectory: String? = Environment.get("CREDENTIALS_DIRECTORY")
    ) throws(ConfigError) -> HeraldConfig {
        guard let text = readTextFile(path) else {
            throw ConfigError(file: path, line: nil, scope: "", key: "file", reason: "cannot read the config file")
        }
        return try parse(text: text, file: path, credentialsDirectory: credentialsDirectory)
    }

    public static func parse(
        text: String, file: String, credentialsDirectory: String? = Environment.get("CREDENTIALS_DIRECTORY")
    ) throws(ConfigError) -> HeraldConfig {
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
        try retryTable.rejectUnknownKeys(allowed: ["min", "max", "max_age", "dead_after"])
        var retry = HeraldConfig.Retry(
            min: try retryTable.duration("min", default: .seconds(30), in: .milliseconds(10)...(.seconds(86_400))),
            max: try retryTable.duration("max", default: .seconds(3600), in: .milliseconds(10)...(.seconds(7 * 86_400))),
            maxAge: try retryTable.duration(
                "max_age", default: .seconds(86_400), in: .seconds(1)...(.seconds(30 * 86_400))))
        guard retry.max >= retry.min else { throw retryTable.error("max", "must be at least retry.min") }
        retry.deadAfter = try retryTable.int("dead_after", default: 10, in: 1...1000)

        let intakeTable = try table("intake")
        try intakeTable.rejectUnknownKeys(allowed: ["batch", "rescan", "max_size", "submit_group"])
        let intake = HeraldConfig.Intake(
            batch: try intakeTable.int("batch", default: 1000, in: 1...10_000),
            rescan: try intakeTable.duration("rescan", default: .seconds(30), in: .seconds(1)...(.seconds(3600))),
            maxFileSize: try intakeTable.int("max_size", default: 1 << 20, in: 1024...(64 << 20)),
            submitGroup: try intakeTable.string("submit_group"))

        let retention = try HeraldConfig.Retention(top: top, stats: try table("stats"))
        let channels = try parseChannels(source: source, file: file)
        try checkFallbacks(channels)
        let context = PluginContext(
            channel: "callbacks", logger: Logger(label: "herald.config"), baseDirectory: baseDirectory,
            credentialsDirectory: credentialsDirectory)
        return HeraldConfig(
            file: file, baseDirectory: baseDirectory, spool: try path("spool", "/var/spool/herald"),
            state: try path("state", "/var/lib/herald"), templates: try path("templates", "/etc/herald/templates"),
            log: log, retry: retry, intake: intake,
            drainTimeout: try top.duration("drain_timeout", default: .seconds(30), in: .zero...(.seconds(3600))),
            channels: channels,
            policy: try HeraldConfig.Policy(try table("policy"), channels: Set(channels.map(\.name))),
            http: try HeraldConfig.HTTP.parse(try table("http")),
            callbacks: try HeraldConfig.Callbacks.parse(try table("callbacks"), context: context), retention: retention,
            database: try HeraldConfig.Database.parse(try table("database"), context: context))
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
            var bound = channel
            bound.fallback = try core.stringList("fallback") ?? []
            if values["fallback_after"] != nil {
                bound.fallbackAfter = try core.int("fallback_after", default: 1, in: 1...100)
            }
            bound.adaptiveConcurrency = try core.bool("adaptive_concurrency", default: false)
            if values["dead_after"] != nil { bound.deadAfter = try core.int("dead_after", default: 10, in: 1...1000) }
            if values["fallback_after_down"] != nil {
                bound.fallbackAfterDown = try core.duration(
                    "fallback_after_down", default: .seconds(300), in: .seconds(1)...(.seconds(7 * 86_400)))
            }
            if values["batch_linger"] != nil {
                bound.batchLinger = try core.duration(
                    "batch_linger", default: .seconds(1), in: .milliseconds(10)...(.seconds(3600)))
            }
            bound.removeOnSuppress = try core.bool("remove_on_suppress", default: true)
            bound.maxWait = try core.duration("max_wait", default: .seconds(86_400), in: .seconds(1)...(.seconds(30 * 86_400)))
            for key in channelCoreKeys { values[key] = nil }
            bound.domainRates = domainRates
            bound.defaultDomainRate = defaultDomainRate
            bound.pluginConfig.values = values
            channels.append(bound)
        }
        return channels
    }

    /// Every name in a channel's `fallback` is another configured channel, named once. Runs after all channels are
    /// read, so a route may name a channel defined further down.
    private static func checkFallbacks(_ channels: [HeraldConfig.Channel]) throws(ConfigError) {
        let names = Set(channels.map(\.name))
        for channel in channels {
            let config = channel.pluginConfig
            var seen: Set<String> = []
            for name in channel.fallback {
                guard name != channel.name else {
                    throw config.error("fallback", "a channel cannot fall back to itself")
                }
                guard names.contains(name) else {
                    let known = names.sorted().joined(separator: ", ")
                    throw config.error("fallback", "no [[channel]] is named \"\(name)\"; configured: \(known)")
                }
                guard seen.insert(name).inserted else { throw config.error("fallback", "\"\(name)\" is listed twice") }
            }
        }
    }

    static func absolute(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        let root = base.isEmpty ? FileManager.default.currentDirectoryPath : base
        let joined = root.hasPrefix("/") ? root + "/" + path : FileManager.default.currentDirectoryPath + "/" + root + "/" + path
        return (joined as NSString).standardizingPath
    }
}
