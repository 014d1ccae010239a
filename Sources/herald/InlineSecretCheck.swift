import Foundation
import HeraldCore
import HeraldPluginAPI

/// `herald check` warns when a config that holds an inline secret can be read by other users (DESIGN §7).
enum InlineSecretCheck {
    static let secretKeys: Set<String> = ["secret", "password"]

    static func warning(config: HeraldConfig) -> String? {
        let inline = config.channels.filter { channel in !secretKeys.isDisjoint(with: channel.pluginConfig.values.keys) }
        guard !inline.isEmpty else { return nil }
        var info = stat()
        guard stat(config.file, &info) == 0, info.st_mode & 0o004 != 0 else { return nil }
        let names = inline.map(\.name).joined(separator: ", ")
        return "\(config.file) is world-readable and holds an inline secret (channel \(names)); use secret_file or chmod 640"
    }
}
