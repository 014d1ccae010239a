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
        try move(source: Array(name.utf8), reportedName: name, error: error, at: now)
    }

    /// A `*.json` whose name is not valid UTF-8: moved aside under the name with each byte outside printable ASCII
    /// written `%XX`, and the error file names it that way too.
    public func rejectUndecodable(name raw: [UInt8], at now: Int64) throws(SpoolError) -> String {
        let escaped = Self.escaped(raw)
        let error = IntakeError(
            .badFileName, field: nil,
            "the file name is not valid UTF-8 (shown with %XX escapes); name spool files in UTF-8")
        return try move(source: raw, reportedName: escaped, error: error, at: now)
    }

    private func move(source: [UInt8], reportedName name: String, error: IntakeError, at now: Int64)
        throws(SpoolError) -> String
    {
        let target = uniqueName(name)
        let stem = target.hasSuffix(".json") ? String(target.dropLast(5)) : target
        var writer = JSONWriter()
        writer.object([
            ("file", .string(name)), ("error", .string(error.code.rawValue)), ("field", error.field.map(JSONValue.string) ?? .null),
            ("detail", .string(error.detail)), ("at", .string(Timestamp.format(now))),
        ])
        writer.raw("\n")
        try SpoolFile.writeAtomically(writer.bytes, directory: layout.rejected, name: stem + ".error.json", sync: true)
        let from = (Array(layout.incoming.utf8) + [UInt8(ascii: "/")] + source + [0]).map { CChar(bitPattern: $0) }
        guard rename(from, layout.rejected + "/" + target) == 0 else {
            let code = errno
            unlink(layout.rejected + "/" + stem + ".error.json")
            throw .io(path: layout.incoming + "/" + name, operation: "rename to rejected/", errno: code)
        }
        // The move is durable before the `rejected` line is logged: a power cut leaves the file in one place.
        do {
            try AtomicFile.syncDirectory(layout.rejected)
            try AtomicFile.syncDirectory(layout.incoming)
        } catch {
            throw .io(path: error.path, operation: error.operation, errno: error.errno)
        }
        return target
    }

    /// Printable ASCII as is (but `%`), every other byte as `%XX`: a name that can be logged and typed.
    static func escaped(_ raw: [UInt8]) -> String {
        var text = ""
        for byte in raw {
            if (0x21...0x7E).contains(byte), byte != UInt8(ascii: "%") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return text
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
