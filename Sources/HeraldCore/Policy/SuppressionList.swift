/// The suppression list the policy checks and every opt-out lands in, whichever database holds it: SQLite's
/// `policy.sqlite` (`SuppressionStore`) for one host, or PostgreSQL shared by several (`HeraldPostgres`), so an
/// address suppressed through one host is suppressed on all at the next check. Synchronous, like the queue. The
/// semantics are `SuppressionStore`'s doc comments: one row per (kind, normalized address, reason), the
/// strongest reason decides, nothing weakens a suppression but `herald suppress remove`.
public protocol SuppressionList: Sendable {
    /// Where the list is, for log lines and `herald suppress list`.
    var location: String { get }
    func optOuts(_ addresses: [String]) throws -> [String: SuppressionStore.Entry]
    func optOuts(since: Int64, limit: Int) throws -> [SuppressionStore.Entry]
    @discardableResult
    func add(_ entries: [SuppressionStore.Entry]) throws -> Int
    func remove(kind: String, address: String) throws -> [SuppressionStore.Reason]
    func list(kind: String?, limit: Int) throws -> [SuppressionStore.Entry]
    /// Entries among addresses already normalized (`SuppressionStore.normalize`), keyed by `lookupKey`.
    func lookup(normalized keys: [(kind: String, address: String)]) throws -> [String: SuppressionStore.Entry]
}

extension SuppressionList {
    public func lookup(_ keys: [(kind: String, address: String)]) throws -> [String: SuppressionStore.Entry] {
        try lookup(normalized: keys.map { (kind: $0.kind, address: SuppressionStore.normalize(kind: $0.kind, $0.address)) })
    }

    public func list(kind: String? = nil) throws -> [SuppressionStore.Entry] {
        try list(kind: kind, limit: 1000)
    }
}

extension SuppressionStore: SuppressionList {
    public var location: String { path }
}
