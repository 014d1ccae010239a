import ArgumentParser
import Foundation
import HeraldCore
import HeraldPluginAPI

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Count delivery-log events, grouped by campaign, stage, channel or event.")

    enum Grouping: String, ExpressibleByArgument, CaseIterable {
        case campaign, stage, channel, event
    }

    @OptionGroup var options: ConfigOption

    @Option(help: "Group rows by campaign, stage, channel or event.")
    var by: Grouping = .event

    @Option(help: "Only events newer than this, e.g. 15m, 1h, 7d.")
    var since: String?

    func run() throws {
        let config = try options.load()
        var cutoff: Int64 = .min
        if let since {
            guard let window = DurationText.parse(since) else { throw ValidationError("--since \(since): not a duration like 1h") }
            cutoff = Clock.nowMillis() - window.milliseconds
        }
        guard let data = FileManager.default.contents(atPath: config.log.delivery) else {
            printError("cannot read \(config.log.delivery)")
            throw ExitCode.failure
        }
        var table: [String: [String: Int]] = [:]
        var events = Set<String>()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = DeliveryLogReader.fields(line), let event = DeliveryLogReader.string(object, "event"),
                let ts = DeliveryLogReader.string(object, "ts").flatMap(Timestamp.parse), ts >= cutoff
            else { continue }
            let key = by == .event ? "all" : DeliveryLogReader.string(object, by.rawValue) ?? "-"
            table[key, default: [:]][event, default: 0] += 1
            events.insert(event)
        }
        let columns = events.sorted()
        print(pad(by == .event ? "" : by.rawValue.uppercased(), 24) + columns.map { pad($0, 12) }.joined())
        for key in table.keys.sorted() {
            print(pad(key, 24) + columns.map { pad(String(table[key]?[$0] ?? 0), 12) }.joined())
        }
    }
}
