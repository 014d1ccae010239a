import Synchronization

/// What a lane knows of its channel's shared down destinations: which of them are in the shared table (so one
/// that leaves it was brought up by another host), and when it last looked.
final class ClusterDestinations: Sendable {
    static let syncInterval: Int64 = 2_000

    let shared: any SharedDestinations
    let known = Mutex<Set<String>>([])
    let syncedAt = Atomic<Int64>(0)

    init(_ shared: any SharedDestinations) {
        self.shared = shared
    }
}

/// The lane's side of shared dead destinations (`SharedDestinations`): it publishes its own changes, adopts the
/// other hosts' every `syncInterval`, and takes each probe from the cluster, so a destination down for one host
/// is down for all and gets one probe per interval in all.
extension ChannelLane {
    /// Every `syncInterval`: destinations other hosts found down are held back here, and those they brought up
    /// are up here too. A failed read changes nothing (this host's own state still holds).
    func syncClusterDestinations(now: Int64) {
        guard let cluster, now - cluster.syncedAt.load(ordering: .relaxed) >= ClusterDestinations.syncInterval else { return }
        cluster.syncedAt.store(now, ordering: .relaxed)
        guard let down = try? cluster.shared.down(channel: channel.name) else { return }
        let listed = Set(down.map(\.destination))
        let (adopted, released) = health.withLock { health -> ([String], [String]) in
            let adopted = down.filter { health.adopt($0.destination, since: $0.since, nextProbe: $0.nextProbe) }.map(\.destination)
            let gone = cluster.known.withLock { known in known.subtracting(listed) }
            return (adopted, gone.filter { health.release($0) })
        }
        cluster.known.withLock { $0 = listed }
        for destination in adopted {
            shared.logger.notice("channel \(channel.name): destination \(destination) is down (found by another host); holding its messages back")
        }
        for destination in released {
            shared.logger.notice("channel \(channel.name): destination \(destination) is up again (another host's probe was answered)")
        }
        if !released.isEmpty { doorbell.ring() }
    }

    /// Publishes this lane's own changes; a failed write leaves the other hosts to find out for themselves.
    func publish(_ changes: [DestinationHealth.Change]) {
        guard let cluster else { return }
        for change in changes {
            do {
                switch change {
                case .down(let destination, _, let nextProbe):
                    let since = health.withLock { $0.states[destination]?.downSince } ?? shared.time.now()
                    try cluster.shared.markDown(channel: channel.name, destination: destination, since: since, nextProbe: nextProbe)
                    cluster.known.withLock { _ = $0.insert(destination) }
                case .up(let destination, _):
                    try cluster.shared.markUp(channel: channel.name, destination: destination)
                    cluster.known.withLock { _ = $0.remove(destination) }
                }
            } catch {
                shared.logger.error("channel \(channel.name): cannot share a destination's state with the other hosts: \(error)")
            }
        }
    }

    /// Probes this host would send, taken from the cluster: one another host has already taken goes back to the
    /// queue until that probe's interval has passed. A failed take sends the probe (one more probe, never none).
    func takeClusterProbes(_ routed: [Routed], now: Int64) -> (go: [Routed], back: [(id: String, until: Int64)], messages: [Message]) {
        guard let cluster, routed.contains(where: \.probe) else { return (routed, [], []) }
        var go: [Routed] = []
        var back: [(id: String, until: Int64)] = []
        var messages: [Message] = []
        for route in routed {
            guard route.probe else {
                go.append(route)
                continue
            }
            let interval = health.withLock { $0.probeInterval(route.destination) }
            let taken = (try? cluster.shared.takeProbe(
                channel: channel.name, destination: route.destination, now: now, until: now + interval)) ?? true
            if taken {
                go.append(route)
            } else {
                health.withLock { health in
                    health.cancel(route.destination, probe: true)
                    _ = health.adopt(route.destination, since: now, nextProbe: now + interval)
                }
                back.append((route.item.1.id, now + interval))
                messages.append(route.item.2)
            }
        }
        return (go, back, messages)
    }
}
