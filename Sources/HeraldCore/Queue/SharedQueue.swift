import ServiceLifecycle

/// State shared with other hosts, not the SQLite stores under `state` (the `[database]` ones, which HeraldCore
/// does not know how to reach): the executable supplies the queue and the suppression list, with the services
/// that keep them (lease upkeep), built once the dispatcher exists so they can wake it when other hosts hand
/// work over.
public struct SharedQueue: Sendable {
    public var queue: any MessageQueue
    public var suppressions: any SuppressionList
    /// Frequency caps counted across hosts (nil without `frequency_cap`: nothing to count).
    public var caps: (any CapLedger)?
    /// Channel and domain rates spent across hosts.
    public var budgets: (any RateBudgets)?
    /// The cluster's event counters, which `herald stats` reads; each host adds its own.
    public var counters: (any SharedCounters)?
    /// Down destinations, held back and probed for the cluster.
    public var destinations: (any SharedDestinations)?
    public var services: @Sendable (_ wake: @escaping @Sendable () -> Void) -> [any Service]

    public init(
        queue: any MessageQueue, suppressions: any SuppressionList, caps: (any CapLedger)? = nil,
        budgets: (any RateBudgets)? = nil, counters: (any SharedCounters)? = nil,
        destinations: (any SharedDestinations)? = nil,
        services: @escaping @Sendable (_ wake: @escaping @Sendable () -> Void) -> [any Service]
    ) {
        self.queue = queue
        self.suppressions = suppressions
        self.caps = caps
        self.budgets = budgets
        self.counters = counters
        self.destinations = destinations
        self.services = services
    }
}
