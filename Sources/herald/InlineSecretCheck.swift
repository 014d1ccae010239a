import Foundation
import HeraldCore
import HeraldPluginAPI

/// `herald check` warns when a config that holds an inline secret can be read by other users (DESIGN §7). The
/// secret keys are the core's own (`[callbacks] secret`) and whatever each channel's plugin declares in its
/// contract (`password`, `secret`, `unsubscribe_secret`, …), so a new plugin's secrets are covered without a
/// change here.
enum InlineSecretCheck {
    /// Where the config holds a secret inline: `channel email: password`, `[callbacks] secret`.
    static func inlineSecrets(config: HeraldConfig, registry: PluginRegistry) -> [String] {
        var places: [String] = []
        if config.callbacks?.secretIsInline == true { places.append("[callbacks] secret") }
        let contracts = registry.contracts(config)
        for channel in config.channels {
            let keys = (contracts[channel.name]?.secretKeys ?? []).filter { channel.pluginConfig.values[$0] != nil }
            places += keys.sorted().map { "channel \(channel.name): \($0)" }
        }
        return places
    }

    static func warning(config: HeraldConfig, registry: PluginRegistry) -> String? {
        let places = inlineSecrets(config: config, registry: registry)
        guard !places.isEmpty else { return nil }
        var info = stat()
        guard stat(config.file, &info) == 0, info.st_mode & 0o004 != 0 else { return nil }
        return "\(config.file) is world-readable and holds inline secrets (\(places.joined(separator: "; "))); "
            + "use the *_file keys (e.g. password_file, secret_file) or chmod 640"
    }
}
