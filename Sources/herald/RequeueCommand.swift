import ArgumentParser
import Foundation
import HeraldCore
import HeraldPluginAPI
import Logging

struct RequeueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue", abstract: "Put dead letters (failed/) back in the queue with a fresh attempt count.")

    @OptionGroup var options: ConfigOption

    @Argument(help: "Message ids to requeue.")
    var ids: [String] = []

    @Flag(help: "Requeue every failed message.")
    var allFailed = false

    func validate() throws {
        guard allFailed != !ids.isEmpty else { throw ValidationError("give message ids or --all-failed, not both or neither") }
    }

    func run() throws {
        let config = try options.load()
        let store = try openQueue(config)
        let layout = SpoolLayout(root: config.spool)
        let now = Clock.nowMillis()
        var done = try store.requeue(ids: allFailed ? nil : ids, now: now)
        // Past dedup_window a failed row is pruned while its dead letter stays: that one goes back through the spool.
        var respooled: [String] = []
        for (index, id) in (allFailed ? DeadLetterRespool.ids(layout: layout) : ids).enumerated()
        where !done.contains(id) {
            guard try store.row(id: id) == nil else { continue }
            if try DeadLetterRespool.respool(id: id, layout: layout, sequence: index) { respooled.append(id) }
        }
        let log = try DeliveryLog(path: config.log.delivery, logger: Logger(label: "herald.requeue"))
        log.write(done.map { LogEvent(ts: now, id: $0, event: .requeued, detail: "requeued by herald requeue") })
        for id in done {
            unlink(layout.failed + "/" + id + ".json")
            print("requeued \(id)")
        }
        for id in respooled { print("requeued \(id) (through the spool: its queue row was pruned after dedup_window)") }
        let detail = "requeued by herald requeue from failed/"
        log.write(respooled.map { LogEvent(ts: now, id: $0, event: .requeued, detail: detail) })
        done += respooled
        for id in ids where !done.contains(id) { printError("\(id): not a failed message") }
        if !done.isEmpty { SpoolDrop.wake(layout: layout) }
        if done.count < ids.count { throw ExitCode.failure }
    }
}
