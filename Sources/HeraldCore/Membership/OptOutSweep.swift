import Foundation
import HeraldCrypto
import HeraldPluginAPI
import Logging
import ServiceLifecycle

/// Takes people who opted out off every list they are in: it reads new opt-outs (an unsubscribe, a complaint, an
/// operator's `herald suppress`, from any process) from the suppression list in the order they came, finds each
/// person's memberships per channel through the plugin's keys, and queues one removal message per list. Each
/// removal's id comes from the membership (channel, list, member, when it began), so a restart, a second look or
/// a second opt-out of the same person queues nothing twice; a channel with `remove_on_suppress = false` is left
/// alone.
public final class OptOutSweep: Service, Sendable {
    /// A channel whose members the sweep removes.
    public struct Channel: Sendable {
        public var name: String
        public var membership: Membership

        public init(name: String, membership: Membership) {
            self.name = name
            self.membership = membership
        }
    }

    /// Opt-outs are read again this far back (ms): an entry committed after a later one (another process's
    /// clock, a slow writer) is still seen. What was already handled is skipped by its message id.
    static let lookback: Int64 = 60_000
    static let cursorName = "opt-out-sweep"
    static let page = 1000

    private let suppressions: any SuppressionList
    private let ledger: MembershipLedger
    private let channels: [Channel]
    private let store: any MessageQueue
    private let decoder: MessageDecoder
    private let log: DeliveryLog
    private let mask: RecipientMask
    private let logger: Logger
    private let interval: Duration
    private let onQueued: @Sendable () -> Void

    public init(
        suppressions: any SuppressionList, ledger: MembershipLedger, channels: [Channel], store: any MessageQueue,
        decoder: MessageDecoder, log: DeliveryLog, mask: RecipientMask, logger: Logger,
        interval: Duration = .seconds(1), onQueued: @escaping @Sendable () -> Void = {}
    ) {
        self.suppressions = suppressions
        self.ledger = ledger
        self.channels = channels
        self.store = store
        self.decoder = decoder
        self.log = log
        self.mask = mask
        self.logger = logger
        self.interval = interval
        self.onQueued = onQueued
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try self.pass(now: Clock.nowMillis())
                } catch {
                    self.logger.error("opt-out sweep: \(error); trying again")
                }
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// One look at the opt-outs since the cursor; returns how many removals it queued.
    @discardableResult
    public func pass(now: Int64) throws -> Int {
        let cursor = try ledger.cursor(Self.cursorName) ?? 0
        var since = max(0, cursor - Self.lookback)
        var newest = cursor
        var queued = 0
        while true {
            let entries = try suppressions.optOuts(since: since, limit: Self.page)
            queued += try remove(entries, now: now)
            guard let last = entries.last?.createdAt else { break }
            newest = max(newest, last)
            guard entries.count == Self.page else { break }
            // A page that ends where it began is all one millisecond: step past it rather than read it again.
            since = last > since ? last : last + 1
        }
        if newest > cursor { try ledger.setCursor(Self.cursorName, to: newest) }
        return queued
    }

    private func remove(_ entries: [SuppressionStore.Entry], now: Int64) throws -> Int {
        var items: [NewMessage] = []
        for entry in entries {
            for channel in channels {
                let keys = channel.membership.keys(entry.kind, entry.address)
                for member in try ledger.members(channel: channel.name, keys: keys) {
                    if let item = removal(of: member, from: channel, now: now) { items.append(item) }
                }
            }
        }
        guard !items.isEmpty else { return 0 }
        let inserted = try store.insert(items)
        var events: [LogEvent] = []
        for (item, isNew) in zip(items, inserted) where isNew {
            let message = item.message
            events.append(
                LogEvent(
                    ts: now, id: message.id, event: .accepted, channel: message.channel, to: mask.display(message.to),
                    detail: "removal from \(message.pluginFields["audience"]?["name"]?.stringValue ?? "its list") after an opt-out"))
        }
        log.write(events)
        if !events.isEmpty { onQueued() }
        return events.count
    }

    private func removal(
        of member: MembershipLedger.Member, from channel: Channel, now: Int64) -> NewMessage? {
        guard let leave = channel.membership.leave(member.list, member.keys) else {
            logger.warning("opt-out sweep: channel \(channel.name) cannot address a member of \(member.list); not removed")
            return nil
        }
        let seed = "\(channel.name)\n\(member.list)\n\(member.member)\n\(member.joinedAt)"
        let id = "opt-out-" + Hex.lowercase(Digest.sha256(Array(seed.utf8)).prefix(12))
        var object = leave.fields
        object["id"] = .string(id)
        object["channel"] = .string(channel.name)
        object["to"] = leave.to
        object["trigger"] = .string("opt-out")
        object["category"] = .string("transactional")
        var writer = JSONWriter()
        writer.value(.object(object))
        do {
            let message = try decoder.decode(writer.bytes, fileName: id + ".json")
            return NewMessage(message: message, body: writer.bytes, receivedAt: now)
        } catch {
            logger.error("opt-out sweep: channel \(channel.name) built a removal intake refuses: \(error)")
            return nil
        }
    }
}
