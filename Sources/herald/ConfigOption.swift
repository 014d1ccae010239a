import ArgumentParser
import HeraldCore
import HeraldPluginAPI

/// `--config`, shared by every subcommand: `$HERALD_CONFIG`, else /etc/herald/herald.toml.
struct ConfigOption: ParsableArguments {
    @Option(name: [.short, .long], help: "The config file (default: $HERALD_CONFIG or /etc/herald/herald.toml).")
    var config: String?

    var path: String { config ?? Environment.get("HERALD_CONFIG") ?? "/etc/herald/herald.toml" }

    /// Loads and validates, or prints the error and exits 78.
    func load() throws -> HeraldConfig {
        do {
            return try ConfigLoader.load(path: path)
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
    }
}

func printError(_ text: String) {
    var standardError = StandardError()
    print("herald: \(text)", to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
