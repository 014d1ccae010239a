import Synchronization

/// A one-way flag services check between units of work: set once on graceful shutdown, never cleared.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { flag.load(ordering: .acquiring) }

    public func set() {
        flag.store(true, ordering: .releasing)
    }
}
