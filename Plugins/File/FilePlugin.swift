import Foundation
import HeraldPluginAPI

/// The `file` channel: writes each rendered delivery atomically as `DIRECTORY/ID.json`. For dry runs, staging and
/// `make run`; also the cheapest way to see exactly what a real channel would have been given.
public struct FilePlugin: ChannelPlugin {
    public static let name = "file"
    public let config: FileConfig
    public var limits: PluginLimits { PluginLimits(maxBatch: 100, maxConcurrency: 400) }

    public init(config: PluginConfig, context: PluginContext) throws {
        self.config = try FileConfig(config, context: context)
        try FileManager.default.createDirectory(atPath: self.config.directory, withIntermediateDirectories: true)
    }

    public func deliver(_ batch: [Delivery]) async -> [Outcome] {
        batch.map { delivery in
            let name = delivery.id + ".json"
            do throws(AtomicFile.WriteError) {
                try AtomicFile.write(FileRequest.document(delivery), directory: config.directory, name: name, sync: config.fsync)
                return FileClassifier.classify(nil, name: name)
            } catch {
                return FileClassifier.classify(error, name: name)
            }
        }
    }

    /// The one target is the directory: it must be a directory this process can create files in.
    public func probe() async -> [ProbeResult] {
        let target = "directory " + config.directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [.failed(target, .local, "does not exist or is not a directory")]
        }
        guard access(config.directory, W_OK | X_OK) == 0 else {
            return [.failed(target, .local, "not writable by this user (errno \(errno))")]
        }
        return [.ok(target, "writable")]
    }
}
