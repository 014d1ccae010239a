import Foundation
import HeraldCore
import HeraldPluginAPI

/// `herald requeue` for a dead letter whose queue row is gone: past `dedup_window` the prune deletes failed rows
/// (and their bodies) while `failed/ID.json` stays, so the message inside the dead letter goes back through the
/// spool, as a new message with the same id. Not for rows still in the queue: `QueueStore.requeue` keeps their
/// attempt history.
enum DeadLetterRespool {
    enum Failure: Error, CustomStringConvertible {
        case unreadable(path: String)
        case noMessage(path: String)

        var description: String {
            switch self {
            case .unreadable(let path): "\(path): cannot read or parse the dead letter"
            case .noMessage(let path): "\(path): the dead letter holds no \"message\" object"
            }
        }
    }

    /// The ids of the dead letters in `failed/` (file names without `.json`).
    static func ids(layout: SpoolLayout) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.failed)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Drops the dead letter's original message into `incoming/` and removes the dead letter. Returns false when
    /// there is no dead letter for `id`.
    static func respool(id: String, layout: SpoolLayout, sequence: Int) throws -> Bool {
        let path = layout.failed + "/" + id + ".json"
        guard FileManager.default.fileExists(atPath: path) else { return false }
        guard let data = FileManager.default.contents(atPath: path), let root = try? JSONParser.parse([UInt8](data))
        else { throw Failure.unreadable(path: path) }
        guard case .object(let members) = root, let message = members["message"], case .object = message else {
            throw Failure.noMessage(path: path)
        }
        var writer = JSONWriter(reservingCapacity: data.count)
        writer.value(message)
        _ = try SpoolDrop.drop(writer.bytes, layout: layout, stem: "requeue", sequence: sequence)
        unlink(path)
        return true
    }
}
