import ArgumentParser
import Foundation
import HeraldCore
import HeraldPluginAPI

struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Validate message files and drop them into the spool atomically (tmp/ then rename into incoming/).",
        discussion: "Valid files are enqueued even when others are not; exit 65 if any file was invalid.")

    @OptionGroup var options: ConfigOption

    @Argument(help: "Message files (JSON, DESIGN §4). '-' reads one message from standard input.")
    var files: [String]

    func run() throws {
        let config = try options.load()
        let decoder = MessageDecoder(contracts: builtinPlugins.contracts(config))
        let layout = SpoolLayout(root: config.spool)
        var failures = 0
        for (index, file) in files.enumerated() {
            let bytes: [UInt8]
            if file == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    printError("\(file): cannot read")
                    failures += 1
                    continue
                }
                bytes = Array(data)
            }
            let name = file == "-" ? "stdin.json" : (file as NSString).lastPathComponent
            do {
                let message = try decoder.decode(bytes, fileName: name)
                // The spool name differs from this file's name, so an id derived from it would differ too (and
                // differ again on the next enqueue): the id derived here is written into the message.
                let spooled = MessageDecoder.hasID(bytes) ? bytes : MessageDecoder.inserting(id: message.id, into: bytes)
                let target = try SpoolDrop.drop(spooled, layout: layout, stem: message.id, sequence: index)
                print("\(file): queued as \(message.id) (\(target))")
            } catch let error as IntakeError {
                printError("\(file): \(error)")
                failures += 1
            } catch {
                printError("\(file): \(error)")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCodes.dataError }
    }
}

/// Writes into `tmp/` and renames into `incoming/` (the Maildir rule: intake never sees half a file) under a
/// name no other file has (id, pid, sequence and a random tag), checked before the rename.
enum SpoolDrop {
    static func drop(_ bytes: [UInt8], layout: SpoolLayout, stem: String, sequence: Int) throws -> String {
        let name = "\(stem)-\(getpid())-\(sequence)-\(UInt32.random(in: 0...UInt32.max)).json"
        try AtomicFile.write(bytes, directory: layout.tmp, name: name, sync: true)
        let source = layout.tmp + "/" + name
        guard access(layout.incoming + "/" + name, F_OK) != 0, rename(source, layout.incoming + "/" + name) == 0 else {
            let code = errno == 0 ? EEXIST : errno
            unlink(source)
            throw SpoolError.io(path: layout.incoming + "/" + name, operation: "rename", errno: code)
        }
        // "queued" is printed only once the new name would survive a power cut.
        try AtomicFile.syncDirectory(layout.incoming)
        return "incoming/" + name
    }

    /// Asks a running daemon to look at the queue now (after a requeue) instead of at its next rescan.
    static func wake(layout: SpoolLayout) {
        try? AtomicFile.write([], directory: layout.incoming, name: ".wake")
    }
}
