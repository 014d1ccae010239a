import HeraldPluginAPI
import Synchronization

/// `PluginRecords` in memory, for a plugin's unit tests: the same promises as the core's store (one id per key,
/// ids never reused) without a state directory. `expire(id:)` stands in for a record's window running out.
public final class MemoryRecords: PluginRecords {
    private struct State {
        var next: UInt64 = 1
        var byKey: [String: UInt64] = [:]
        var byID: [UInt64: PluginRecord] = [:]
        var cursors: [String: JSONValue] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func ids(for entries: [(key: String, value: JSONValue)], keep: Duration) throws -> [UInt64] {
        state.withLock { state in
            entries.map { entry in
                if let id = state.byKey[entry.key] { return id }
                let id = state.next
                state.next += 1
                state.byKey[entry.key] = id
                state.byID[id] = PluginRecord(id: id, key: entry.key, value: entry.value, createdAt: Clock.nowMillis())
                return id
            }
        }
    }

    public func record(id: UInt64) throws -> PluginRecord? {
        state.withLock { $0.byID[id] }
    }

    public func cursor(_ name: String) throws -> JSONValue? {
        state.withLock { $0.cursors[name] }
    }

    public func setCursor(_ name: String, _ value: JSONValue) throws {
        state.withLock { $0.cursors[name] = value }
    }

    public func expire(id: UInt64) {
        state.withLock { state in
            guard let record = state.byID.removeValue(forKey: id) else { return }
            state.byKey[record.key] = nil
        }
    }

    public var count: Int { state.withLock { $0.byID.count } }
}
