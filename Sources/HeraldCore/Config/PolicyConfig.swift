import HeraldPluginAPI

extension HeraldConfig {
    /// The `[policy]` table: the sending rules for marketing messages (quiet hours, frequency caps) and the bound on
    /// suppression imports, each key read once here with its default and bounds. Values only: the rule logic lives in
    /// `QuietHours` and `FrequencyCap`, the wiring in the policy layer. Channel names are checked against the
    /// configured channels, so a cap can never silently bind nothing.
    public struct Policy: Sendable, Equatable {
        static let keys: Set<String> = [
            "quiet_hours", "default_timezone", "quiet_jitter", "frequency_cap", "on_cap", "suppression_import_max",
        ]

        /// What happens to a message over a frequency cap.
        public enum OnCap: String, Sendable, Equatable {
            /// It ends, reported `capped`.
            case drop
            /// It waits until the cap's window frees (`FrequencyCap.Decision.capped(freeAt:)`).
            case `defer`
        }

        /// `quiet_hours = { start = "21:00", end = "08:00" }`, on the recipient's wall clock; marketing only.
        /// Nil (the key absent): no quiet hours. Carries `default_timezone` and `quiet_jitter`.
        public var quietHours: QuietHours?
        /// `default_timezone`, an IANA name; default "UTC". For recipients without `to.timezone`.
        public var defaultTimezone: String
        /// `quiet_jitter`, 0s…6h, default 10m: deferred messages spread over `[end, end + jitter)`.
        public var quietJitter: Duration
        /// `frequency_cap = [ { max = 3, per = "1d" }, { max = 1, per = "4h", channel = "push" } ]`: per recipient
        /// identity, marketing only; `max` 1…10000, `per` 1m…90d, `channel` a configured channel. Default: none.
        public var frequencyCap: FrequencyCap
        /// `on_cap`, "drop" (default) or "defer".
        public var onCap: OnCap
        /// `suppression_import_max`, 1…100,000,000, default 1,000,000: the most entries `herald suppress import`
        /// takes from one file.
        public var suppressionImportMax: Int

        public init(
            quietHours: QuietHours? = nil, defaultTimezone: String = "UTC", quietJitter: Duration = .seconds(600),
            frequencyCap: FrequencyCap = FrequencyCap(), onCap: OnCap = .drop, suppressionImportMax: Int = 1_000_000
        ) {
            self.quietHours = quietHours
            self.defaultTimezone = defaultTimezone
            self.quietJitter = quietJitter
            self.frequencyCap = frequencyCap
            self.onCap = onCap
            self.suppressionImportMax = suppressionImportMax
        }

        /// Reads `[policy]`; `channels` are the configured channel names, for `frequency_cap[].channel`.
        init(_ table: PluginConfig, channels: Set<String>) throws(ConfigError) {
            try table.rejectUnknownKeys(allowed: Self.keys)
            defaultTimezone = try table.string("default_timezone") ?? "UTC"
            guard MessageRules.knownTimeZones.contains(defaultTimezone) else {
                throw table.error(
                    "default_timezone",
                    "\"\(defaultTimezone)\" is not an IANA time zone like \"UTC\" or \"Europe/Lisbon\"")
            }
            quietJitter = try table.duration("quiet_jitter", default: .seconds(600), in: .zero...(.seconds(6 * 3600)))
            quietHours = try Self.quietHours(table, defaultTimezone: defaultTimezone, jitter: quietJitter)
            frequencyCap = FrequencyCap(rules: try Self.capRules(table, channels: channels))
            switch try table.string("on_cap") ?? "drop" {
            case "drop": onCap = .drop
            case "defer": onCap = .defer
            case let other: throw table.error("on_cap", "\"\(other)\" is not one of \"drop\", \"defer\"")
            }
            suppressionImportMax = try table.int(
                "suppression_import_max", default: 1_000_000, in: 1...100_000_000)
        }

        private static func quietHours(
            _ table: PluginConfig, defaultTimezone: String, jitter: Duration
        ) throws(ConfigError) -> QuietHours? {
            let example = "{ start = \"21:00\", end = \"08:00\" }"
            guard let window = try table.inlineTable("quiet_hours", members: ["start", "end"], example: example) else {
                return nil
            }
            func time(_ key: String, _ sample: String) throws(ConfigError) -> Int {
                guard let text = try window.string(key) else { throw window.error(key, "is required, e.g. \(example)") }
                guard let minutes = QuietHours.minutes(text) else {
                    throw window.error(
                        key, "\"\(text)\" is not a time of day; write HH:MM from 00:00 to 23:59, e.g. \"\(sample)\"")
                }
                return minutes
            }
            let start = try time("quiet_hours.start", "21:00")
            let end = try time("quiet_hours.end", "08:00")
            guard start != end else {
                throw window.error(
                    "quiet_hours.end", "must differ from start (an empty or all-day window); e.g. \(example)")
            }
            return QuietHours(start: start, end: end, defaultTimezone: defaultTimezone, jitter: jitter)
        }

        private static func capRules(
            _ table: PluginConfig, channels: Set<String>
        ) throws(ConfigError) -> [FrequencyCap.Rule] {
            let example = "{ max = 3, per = \"1d\" }"
            let items =
                try table.inlineTables("frequency_cap", members: ["max", "per", "channel"], example: example) ?? []
            var rules: [FrequencyCap.Rule] = []
            for (index, item) in items.enumerated() {
                let prefix = "frequency_cap[\(index)]"
                let max = try item.requiredInt("\(prefix).max", in: 1...10_000, example: example)
                guard item.values["\(prefix).per"] != nil else {
                    throw item.error("\(prefix).per", "is required, e.g. \(example)")
                }
                let per = try item.duration("\(prefix).per", default: .zero, in: .seconds(60)...(.seconds(90 * 86_400)))
                let channel = try item.string("\(prefix).channel")
                if let channel, !channels.contains(channel) {
                    throw item.error(
                        "\(prefix).channel",
                        "no [[channel]] is named \"\(channel)\"; configured: \(channels.sorted().joined(separator: ", "))"
                    )
                }
                rules.append(FrequencyCap.Rule(max: max, per: per, channel: channel))
            }
            return rules
        }
    }
}
