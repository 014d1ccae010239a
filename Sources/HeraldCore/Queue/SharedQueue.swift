import ServiceLifecycle

/// A queue that is not the SQLite store under `state` (the `[database]` one, which HeraldCore does not know how to
/// reach): the executable supplies it, with the services that keep it (lease upkeep), built once the dispatcher
/// exists so they can wake it when other hosts hand work over.
public struct SharedQueue: Sendable {
    public var queue: any MessageQueue
    public var services: @Sendable (_ wake: @escaping @Sendable () -> Void) -> [any Service]

    public init(queue: any MessageQueue, services: @escaping @Sendable (_ wake: @escaping @Sendable () -> Void) -> [any Service]) {
        self.queue = queue
        self.services = services
    }
}
