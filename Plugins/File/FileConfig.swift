import HeraldPluginAPI

/// The `file` channel's keys: where deliveries are written and whether each file is fsync'd.
public struct FileConfig: Sendable, Equatable {
    static let keys: Set<String> = ["directory", "fsync"]

    /// Where rendered deliveries land, one `ID.json` each; created if missing. Required.
    public var directory: String
    /// fsync each file before its rename: durable across power loss, and about 25 times slower.
    public var fsync: Bool

    public init(_ config: PluginConfig, context: PluginContext) throws(ConfigError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        directory = context.resolve(path: try config.requiredString("directory", example: "/var/spool/herald/outbox"))
        fsync = try config.bool("fsync", default: false)
    }
}
