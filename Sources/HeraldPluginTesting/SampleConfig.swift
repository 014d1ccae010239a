import Foundation
import HeraldCore
import HeraldPluginAPI

/// Reads a plugin's `sample.toml` the way the daemon reads its config, so every plugin test can prove its sample
/// is valid (STYLE 5): the first `[[channel]]`'s plugin keys, core keys removed.
public enum SampleConfig {
    /// - Parameters: path: the calling test's `#filePath`; sample: the sample's path from the package root.
    public static func channelValues(path: String, sample: String) throws -> [String: ConfigValue] {
        var root = URL(fileURLWithPath: path).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
            guard root.path != "/" else { throw ConfigError(file: sample, line: nil, scope: "", key: "", reason: "no package root") }
        }
        let file = root.appendingPathComponent(sample).path
        guard let text = readTextFile(file) else {
            throw ConfigError(file: file, line: nil, scope: "", key: "", reason: "cannot read")
        }
        let config = try ConfigLoader.parse(text: "spool = \"/tmp/s\"\n" + text, file: file)
        guard let channel = config.channels.first else {
            throw ConfigError(file: file, line: nil, scope: "", key: "channel", reason: "no [[channel]]")
        }
        return channel.pluginConfig.values
    }
}
