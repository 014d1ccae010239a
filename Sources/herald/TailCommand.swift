import ArgumentParser
import Foundation
import HeraldCore

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Follow the delivery log, optionally filtered; survives log rotation.")

    @OptionGroup var options: ConfigOption

    @Option(help: "Only this event (delivered, failed, deferred, rejected, …).")
    var event: String?

    @Option(help: "Only this campaign.")
    var campaign: String?

    @Flag(help: "Print the whole log first instead of starting at its end.")
    var fromStart = false

    @Flag(help: "Print what is there and exit instead of following.")
    var noFollow = false

    func run() async throws {
        let config = try options.load()
        let path = config.log.delivery
        var handle = FileHandle(forReadingAtPath: path)
        var inode = Self.inode(path)
        if !fromStart, !noFollow { handle?.seekToEndOfFile() }
        var partial = Data()
        while true {
            if let chunk = handle?.readDataToEndOfFile(), !chunk.isEmpty {
                partial.append(chunk)
                if let last = partial.lastIndex(of: 0x0A) {
                    let complete = partial[...last]
                    partial = Data(partial[(last + 1)...])
                    for line in String(decoding: complete, as: UTF8.self).split(separator: "\n") where matches(line) {
                        print(line)
                    }
                }
            } else if noFollow {
                return
            } else {
                try await Task.sleep(for: .milliseconds(250))
                let current = Self.inode(path)
                if current != inode {  // rotated: start on the new file
                    handle = FileHandle(forReadingAtPath: path)
                    inode = current
                }
            }
        }
    }

    private func matches(_ line: Substring) -> Bool {
        guard event != nil || campaign != nil else { return true }
        guard let object = DeliveryLogReader.fields(line) else { return false }
        if let event, DeliveryLogReader.string(object, "event") != event { return false }
        if let campaign, DeliveryLogReader.string(object, "campaign") != campaign { return false }
        return true
    }

    private static func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }
}
