import HeraldPluginAPI
import HeraldTransport
import Logging

/// Polls a `bounce_imap` mailbox over POP3 (`pop3s://`): `UIDL` lists what is there, each mail whose unique id
/// has not been filed is retrieved (`RETR`), filed, and only then its id added to the cursor of ids read. POP3
/// message numbers change between sessions; its UIDL ids do not, so they are what is remembered. The ids kept are
/// those still in the mailbox, so the cursor stays as small as the mailbox. Mail is left on the server, as with
/// IMAP; expiring it is the mailbox's own retention. Each command is a session of its own (a POP3 session sees
/// the mailbox as it was at login), so the mailbox should be Herald's alone: another client deleting mail between
/// the listing and a retrieval would shift the numbers.
struct BouncePOP3: BounceMailbox {
    let settings: BounceMailboxSettings
    let attribution: BounceAttribution
    let records: (any PluginRecords)?
    let facts: FactSink
    let logger: Logger
    static let cursorName = "bounce_pop3"

    func poll() async -> Result<Int, BouncePollError> {
        guard let records else { return .failure(BouncePollError(message: "no record store to keep the mailbox position in")) }
        let listing = await run(command: "UIDL", url: settings.url + "/")
        guard case .success(let text) = listing else { return listing.map { _ in 0 } }
        let present = Self.uidl(text)
        var seen = Set((try? records.cursor(Self.cursorName))?["seen"].flatMap(Self.strings) ?? [])
        seen.formIntersection(present.map(\.id))
        var read = 0
        for (number, id) in present where !seen.contains(id) && !Task.isCancelled {
            let fetched = await MailboxClient.shared.perform(request(url: settings.url + "/\(number)"))
            if let error = fetched.error { return .failure(BouncePollError(message: "RETR \(number): \(error.message)")) }
            await file(fetched.body, name: "UIDL \(id)")
            seen.insert(id)
            do {
                try records.setCursor(Self.cursorName, .object(["seen": .array(seen.sorted().map(JSONValue.string))]))
            } catch {
                return .failure(BouncePollError(message: "cannot keep the mailbox position: \(error)"))
            }
            read += 1
        }
        return .success(read)
    }

    var probeCommand: (url: String, command: String) { (settings.url + "/", "UIDL") }

    /// `[(1, "id-a"), (2, "id-b")]` from a UIDL listing (`1 id-a` per line; a status line or the final `.` is
    /// skipped).
    static func uidl(_ text: String) -> [(number: Int, id: String)] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 2, let number = Int(words[0]), number > 0 else { return nil }
            return (number, String(words[1]))
        }
    }

    private static func strings(_ value: JSONValue) -> [String]? {
        guard case .array(let items) = value else { return nil }
        return items.compactMap(\.stringValue)
    }
}
