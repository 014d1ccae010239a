import Foundation
import HeraldPluginAPI

/// Moves a refused spool file aside, unchanged, with `NAME.error.json` beside it (DESIGN §3). Never deletes: if the
/// error file cannot be written (disk full), the input stays in `incoming/` to be tried again.
public struct Rejects: Sendable {
    public var layout: SpoolLayout

    public init(layout: SpoolLayout) {
        self.layout = layout
    }

    /// Returns the name the file got in `rejected/`.
    public func reject(name: String, error: IntakeError, at now: Int64) throws(SpoolError) -> String {
        let target = uniqueName(name)
        let stem = target.hasSuffix(".json") ? String(target.dropLast(5)) : target
        var writer = JSONWriter()
        writer.object([
            ("file", .string(name)), ("error", .string(error.code.rawValue)), ("field", error.field.map(JSONValue.string) ?? .null),
            ("detail", .string(error.detail)), ("at", .string(Timestamp.format(now))),
        ])
        writer.raw("\n")
        try SpoolFile.writeAtomically(writer.bytes, directory: layout.rejected, name: stem + ".error.json")
        guard rename(layout.incoming + "/" + name, layout.rejected + "/" + target) == 0 else {
            let code = errno
            unlink(layout.rejected + "/" + stem + ".error.json")
            throw .io(path: layout.incoming + "/" + name, operation: "rename to rejected/", errno: code)
        }
        return target
    }

    /// `NAME.json`, or `NAME-2.json`, `NAME-3.json`… when an earlier reject took the name.
    private func uniqueName(_ name: String) -> String {
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        var candidate = name
        var counter = 1
        while access(layout.rejected + "/" + candidate, F_OK) == 0
            || access(layout.rejected + "/" + (candidate.hasSuffix(".json") ? String(candidate.dropLast(5)) : candidate) + ".error.json", F_OK) == 0
        {
            counter += 1
            candidate = "\(stem)-\(counter).json"
        }
        return candidate
    }
}
