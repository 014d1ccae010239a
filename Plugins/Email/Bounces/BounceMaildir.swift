import Foundation
import HeraldPluginAPI
import Logging

/// The bounce Maildir (`bounce_maildir`) the local MTA delivers the VERP address into: each mail in `new/` is
/// read, its report turned into facts, the facts filed by the core, and only then the mail moved on, so a crash
/// at any point leaves it in `new/` to be read again. A mail tied to its send goes to `cur/` as read (`:2,S`);
/// one that cannot be (forged, stale, unreadable, oversized) goes to the `.Unattributed` folder with an
/// `X-Herald-Unattributed` header saying why. Nothing is deleted: raw bounces stay in the Maildir's own folders.
/// Scans once a second: a readdir of an empty `new/` costs nothing, and bounces are not urgent.
struct BounceMaildir: Sendable {
    static let maxSize = 10 * 1024 * 1024
    static let asideFolder = ".Unattributed"

    let root: String
    let attribution: BounceAttribution
    let facts: FactSink
    let logger: Logger
    var interval: Duration = .seconds(1)

    func watch() async {
        do {
            try prepare()
        } catch {
            logger.error("bounce_maildir \(root): \(error); bounces are not read")
            return
        }
        while !Task.isCancelled {
            await scan()
            try? await Task.sleep(for: interval)
        }
    }

    /// The Maildir's folders, made if missing (0700: bounces quote addresses).
    func prepare() throws {
        for folder in ["", Self.asideFolder + "/"] {
            for sub in ["tmp", "new", "cur"] {
                try FileManager.default.createDirectory(
                    atPath: root + "/" + folder + sub, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        }
    }

    /// Reads every mail in `new/` once; returns how many it moved.
    @discardableResult
    func scan() async -> Int {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/new")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var moved = 0
        for name in names where !Task.isCancelled {
            if await process(name) { moved += 1 }
        }
        return moved
    }

    private func process(_ name: String) async -> Bool {
        let path = root + "/new/" + name
        guard let bytes = FileManager.default.contents(atPath: path).map(Array.init) else { return false }
        guard bytes.count <= Self.maxSize else {
            return setAside(name, bytes: bytes, why: "larger than \(Self.maxSize / 1024 / 1024) MB, not read")
        }
        let report = BounceReport.read(ParsedMail(bytes))
        let (found, source) = attribution.facts(report)
        await facts.report(found)
        switch source {
        case .send:
            return rename(path, to: root + "/cur/" + name + ":2,S")
        case .unattributed(let why):
            return setAside(name, bytes: bytes, why: why)
        }
    }

    /// Into `.Unattributed/cur/` by way of its `tmp/`, with the reason as a header on top.
    private func setAside(_ name: String, bytes: [UInt8], why: String) -> Bool {
        let folder = root + "/" + Self.asideFolder
        let header = "X-Herald-Unattributed: " + why.filter { $0 != "\r" && $0 != "\n" } + "\r\n"
        let temporary = folder + "/tmp/" + name
        guard FileManager.default.createFile(atPath: temporary, contents: Data(Array(header.utf8) + bytes), attributes: [.posixPermissions: 0o600]),
            rename(temporary, to: folder + "/cur/" + name + ":2,S")
        else {
            logger.error("bounce_maildir: cannot set \(name) aside in \(folder); it stays in new/")
            return false
        }
        logger.warning("bounce_maildir: \(name) set aside in \(Self.asideFolder): \(why)")
        return unlink(root + "/new/" + name) == 0
    }

    private func rename(_ from: String, to: String) -> Bool {
        guard Foundation.rename(from, to) == 0 else {
            logger.error("bounce_maildir: cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
            return false
        }
        return true
    }
}
