import ArgumentParser
import Foundation
import HeraldCore
import HeraldPluginAPI
import Logging

/// `herald suppress add|remove|list|import`: the operator's hands on the suppression list the daemon checks before
/// every send (policy.sqlite under the state directory; safe while the daemon runs).
struct SuppressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppress", abstract: "Add, remove, list or import suppressed recipients.",
        subcommands: [Add.self, Remove.self, List.self, Import.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suppress addresses (reason manual unless given).")
        @OptionGroup var options: ConfigOption
        @Option(help: "Address kind: email, or a plugin name for tokens and ids.") var kind = "email"
        @Option(help: "unsubscribed, hard_bounce, token_invalid, complaint or manual.") var reason = "manual"
        @Argument(help: "Addresses to suppress.") var addresses: [String]

        func run() throws {
            guard let why = SuppressionStore.Reason(rawValue: reason) else {
                throw ValidationError("--reason \(reason): use one of \(SuppressionStore.Reason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let store = try openSuppressions(try options.load())
            let now = Clock.nowMillis()
            let added = try store.add(addresses.map {
                SuppressionStore.Entry(kind: kind, address: $0, reason: why, source: "herald suppress add", createdAt: now)
            })
            print("suppressed \(addresses.count) (\(added) new)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift suppressions.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Address kind.") var kind = "email"
        @Argument(help: "Addresses to remove.") var addresses: [String]

        func run() throws {
            let config = try options.load()
            let store = try openSuppressions(config)
            let log = try DeliveryLog(path: config.log.delivery, logger: Logger(label: "herald.suppress"))
            let mask = RecipientMask(full: config.log.fullRecipients)
            var missing = 0
            for address in addresses {
                let lifted = try store.remove(kind: kind, address: address)
                guard !lifted.isEmpty else {
                    printError("\(address): not suppressed")
                    missing += 1
                    continue
                }
                let reasons = lifted.map(\.rawValue).joined(separator: ", ")
                // The only way an entry is lifted, so it leaves a trace where operators look.
                log.write([
                    LogEvent(
                        ts: Clock.nowMillis(), event: .unsuppressed, to: mask.display(address: address),
                        code: kind, detail: "lifted by herald suppress remove (was: \(reasons))")
                ])
                print("removed \(address) (was: \(reasons))")
            }
            if missing > 0 { throw ExitCode.failure }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List suppressions, newest first.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Only this kind.") var kind: String?
        @Option(help: "At most this many rows.") var limit = 1000

        func run() throws {
            let store = try openSuppressions(try options.load())
            print(["KIND", "ADDRESS", "REASON", "SINCE", "SOURCE"].joined(separator: "\t"))
            for entry in try store.list(kind: kind, limit: limit) {
                print([entry.kind, entry.address, entry.reason.rawValue, Timestamp.format(entry.createdAt), entry.source].joined(separator: "\t"))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a CSV of address[,reason[,kind]] lines (a header line is skipped).")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The CSV file.") var file: String

        func run() throws {
            // Not readTextFile: that one is for small files and stops at 1 MiB; a list can be many megabytes.
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else { throw ValidationError("\(file): cannot read it as UTF-8 text") }
            let config = try options.load()
            let now = Clock.nowMillis()
            var entries: [SuppressionStore.Entry] = []
            for (index, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
                guard let address = fields.first, !address.isEmpty else { continue }
                if index == 0, ["address", "email"].contains(address.lowercased()) { continue }
                let reasonText = fields.count > 1 && !fields[1].isEmpty ? fields[1] : "manual"
                guard let reason = SuppressionStore.Reason(rawValue: reasonText) else {
                    throw ValidationError("\(file):\(index + 1): reason \"\(reasonText)\" is not one of \(SuppressionStore.Reason.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let kind = fields.count > 2 && !fields[2].isEmpty ? fields[2] : "email"
                if kind == "email", !address.contains("@") || address.contains(where: { $0.isWhitespace }) {
                    throw ValidationError("\(file):\(index + 1): \"\(address)\" is not an email address")
                }
                entries.append(.init(kind: kind, address: address, reason: reason, source: "import \(file)", createdAt: now))
                guard entries.count <= config.policy.suppressionImportMax else {
                    throw ValidationError(
                        "\(file): more than \(config.policy.suppressionImportMax) entries; split it, or raise [policy] suppression_import_max")
                }
            }
            let store = try openSuppressions(config)
            var added = 0
            for start in stride(from: 0, to: entries.count, by: 10_000) {
                added += try store.add(Array(entries[start..<min(start + 10_000, entries.count)]))
            }
            print("imported \(entries.count) (\(added) new)")
        }
    }
}
