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

    public func probe() async -> Outcome {
        let writable = access(config.directory, W_OK) == 0
        let reply = Reply(code: writable ? "ok" : "errno:\(errno)", text: "\(config.directory) \(writable ? "is" : "is not") writable")
        return writable ? .delivered(providerID: nil, reply: reply) : .credentialsInvalid(reply: reply)
    }
}
