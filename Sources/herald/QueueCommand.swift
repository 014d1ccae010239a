import ArgumentParser
import HeraldCore
import HeraldPluginAPI
import HeraldPostgres

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Show messages per channel and state, with the oldest of each (like mailq).")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load()
        let store = try openQueue(config)
        let counts = try store.counts()
        if let shared = store as? PostgresQueue {
            print("queue: \(shared.location), the whole cluster")
            print(pad("HOST", 16) + pad("IN FLIGHT", 11) + "LAST SEEN")
            for host in try shared.hosts() {
                print(pad(host.name, 16) + pad(String(host.inFlight), 11) + "\(host.secondsAgo)s ago")
            }
        }
        let files = SpoolFile.list(directory: SpoolLayout(root: config.spool).incoming).count
        print("incoming files not yet read: \(files)")
        guard !counts.isEmpty else {
            print("queue is empty")
            return
        }
        let now = Clock.nowMillis()
        print(pad("CHANNEL", 16) + pad("STATE", 11) + pad("COUNT", 10) + "OLDEST")
        for row in counts {
            let age = row.oldestCreatedAt.map { DurationText.format(.seconds(max(0, (now - $0) / 1000))) + " ago" } ?? "-"
            print(pad(row.channel, 16) + pad(row.state.rawValue, 11) + pad(String(row.count), 10) + age)
        }
        printConcurrency(stateDirectory: config.state)
    }
}

/// The running daemon's concurrency per channel (adaptive or configured) and its down destinations, as it last
/// wrote them to STATE/channels.json.
private func printConcurrency(stateDirectory: String) {
    guard let text = readTextFile(stateDirectory + "/channels.json"),
        case .object(let channels)? = try? JSONParser.parse(Array(text.utf8))
    else { return }
    print("")
    print(pad("CHANNEL", 16) + pad("CONCURRENCY", 13) + "MAXIMUM")
    var down: [String] = []
    for (name, value) in channels.sorted(by: { $0.key < $1.key }) {
        guard case .object(let fields) = value, case .int(let limit)? = fields["concurrency"],
            case .int(let maximum)? = fields["maximum"]
        else { continue }
        print(pad(name, 16) + pad(String(limit), 13) + String(maximum))
        guard case .array(let entries)? = fields["down"] else { continue }
        for case .object(let entry) in entries {
            guard case .string(let destination)? = entry["destination"], case .string(let since)? = entry["since"],
                case .string(let probe)? = entry["next_probe"]
            else { continue }
            down.append(pad(name, 16) + pad(destination, 28) + pad(since, 26) + probe)
        }
    }
    guard !down.isEmpty else { return }
    print("")
    print(pad("CHANNEL", 16) + pad("DOWN DESTINATION", 28) + pad("SINCE", 26) + "NEXT PROBE")
    for line in down { print(line) }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
