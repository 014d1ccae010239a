import Foundation
import HeraldPluginAPI
import HeraldTransport
import Logging

/// Polls the `bounce_imap` mailbox: every mail whose UID is above the last one read is fetched, its report
/// turned into facts, the facts filed by the core, and only then the cursor (UIDVALIDITY, last UID) moved past
/// it. Not by `UNSEEN`: libcurl's `;UID=` fetch sets `\Seen` (`BODY[]`) in a mailbox opened read-write, so a
/// crash between fetch and filing would hide the mail from the next poll (PROTOCOLS §9.6); and another reader
/// may have seen it first. Mail is left in the mailbox as the server keeps it:
/// Herald stores no raw bounce of its own. A new UIDVALIDITY (the mailbox was recreated) starts from its first UID.
struct BounceIMAP: BounceMailbox {
    struct Position: Equatable, Sendable {
        var validity: Int64
        var lastUID: Int64
    }

    let settings: BounceMailboxSettings
    let attribution: BounceAttribution
    let records: (any PluginRecords)?
    let facts: FactSink
    let logger: Logger
    static let cursorName = "bounce_imap"

    func poll() async -> Result<Int, BouncePollError> {
        guard let records else { return .failure(BouncePollError(message: "no record store to keep the mailbox position in")) }
        // EXAMINE, not STATUS: on a pooled connection the mailbox is already selected, and a server may answer
        // STATUS of the selected mailbox from its old view (Dovecot does). EXAMINE opens a fresh one, read-only,
        // so fetching in it leaves \Seen for the mailbox's human readers.
        let status = await run(command: "EXAMINE \(mailboxName)")
        guard case .success(let statusText) = status else { return status.map { _ in 0 } }
        guard let validity = Self.number(after: "UIDVALIDITY", in: statusText) else {
            return .failure(BouncePollError(message: "the server's EXAMINE reply has no UIDVALIDITY"))
        }
        var position = (try? records.cursor(Self.cursorName)).flatMap(Self.position) ?? Position(validity: validity, lastUID: 0)
        if position.validity != validity {
            logger.warning("bounce_imap: UIDVALIDITY changed (\(position.validity) → \(validity)); reading the mailbox from its start")
            position = Position(validity: validity, lastUID: 0)
        }
        if let next = Self.number(after: "UIDNEXT", in: statusText), next - 1 <= position.lastUID { return .success(0) }
        let search = await run(command: "UID SEARCH UID \(position.lastUID + 1):*")
        guard case .success(let found) = search else { return search.map { _ in 0 } }
        let uids = Self.searchResult(found).filter { $0 > position.lastUID }.sorted()
        var read = 0
        for uid in uids where !Task.isCancelled {
            let fetched = await MailboxClient.shared.perform(request(url: settings.url + ";UIDVALIDITY=\(validity)/;UID=\(uid)"))
            if let error = fetched.error { return .failure(BouncePollError(message: "fetching UID \(uid): \(error.message)")) }
            await file(fetched.body, name: "UID \(uid)")
            position.lastUID = uid
            do {
                try records.setCursor(Self.cursorName, .object(["validity": .int(position.validity), "uid": .int(position.lastUID)]))
            } catch {
                return .failure(BouncePollError(message: "cannot keep the mailbox position: \(error)"))
            }
            read += 1
        }
        return .success(read)
    }

    var probeCommand: (url: String, command: String) { (settings.url, "EXAMINE \(mailboxName)") }

    private var mailboxName: String {
        let name = settings.url.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? "INBOX"
        return "\"" + (name.isEmpty ? "INBOX" : name.removingPercentEncoding ?? name) + "\""
    }

    static func position(_ value: JSONValue) -> Position? {
        guard let validity = value["validity"]?.intValue, let uid = value["uid"]?.intValue else { return nil }
        return Position(validity: validity, lastUID: uid)
    }

    /// `123` from `* OK [UIDVALIDITY 123] UIDs valid` (or `* STATUS INBOX (UIDNEXT 2 UIDVALIDITY 123)`).
    static func number(after name: String, in text: String) -> Int64? {
        let words = text.split(whereSeparator: { $0.isNewline || " ()[]".contains($0) })
        guard let index = words.firstIndex(where: { $0.uppercased() == name }), index + 1 < words.count else { return nil }
        return Int64(words[index + 1])
    }

    /// The UIDs of `* SEARCH 4 7 9` lines.
    static func searchResult(_ text: String) -> [Int64] {
        // `\r\n` is one Character in Swift: split on what is a newline, not on the two scalars.
        text.split(whereSeparator: \.isNewline).flatMap { line -> [Int64] in
            let words = line.split(separator: " ")
            guard words.count >= 2, words[0] == "*", words[1].uppercased() == "SEARCH" else { return [] }
            return words.dropFirst(2).compactMap { Int64($0) }
        }
    }
}
