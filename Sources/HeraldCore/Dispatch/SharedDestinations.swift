/// Dead-destination state several hosts share (`[database]`): a destination one host finds down is held back on
/// every host, the cluster probes it once per interval (whichever host takes the probe), and the answer that
/// brings it up brings it up everywhere. Each lane keeps its own `DestinationHealth` and meets the others'
/// through this, every `ClusterDestinations.syncInterval` and at each change.
public protocol SharedDestinations: Sendable {
    func markDown(channel: String, destination: String, since: Int64, nextProbe: Int64) throws
    func markUp(channel: String, destination: String) throws
    /// The channel's down destinations: since when, and when the next probe may go.
    func down(channel: String) throws -> [(destination: String, since: Int64, nextProbe: Int64)]
    /// Takes the destination's probe due at `now`, holding off the other hosts' until `until`; false when another
    /// host has it. True for a destination not known down (nothing to share).
    func takeProbe(channel: String, destination: String, now: Int64, until: Int64) throws -> Bool
}
