/// The sends frequency caps count, whichever database holds them: this host's `SendHistory` (SQLite's
/// `policy.sqlite`, batched writes, exact while the process runs) or a cluster's (`HeraldPostgres`), where the
/// check and the count are one statement, so two hosts cannot both take a recipient's last place.
///
/// A candidate that passes is reserved in the same step as its check and counts from then on; `settle` turns
/// the reservation into a send (delivered) or frees the place (any other outcome, or none).
public protocol CapLedger: Sendable {
    /// Whether each candidate (a marketing message about to go on `channel`, keyed by its recipient identity) may
    /// go now; `check` is the cap rule over one identity's sends (delivered and in flight).
    func admit(
        _ candidates: [(id: String, identity: String)], channel: String, now: Int64,
        check: (CapSends) -> CapCheck
    ) throws -> [CapAdmission]
    /// Ends reservations. Never throws: a place that cannot be freed stays counted until it leaves the window,
    /// which errs on the side of sending less.
    func settle(_ outcomes: [(id: String, identity: String, channel: String, delivered: Bool)], now: Int64)
    /// Whether sends wait in memory to be written; the recorder then calls `write` within `writeDelay`.
    var hasWaiting: Bool { get }
    func write(now: Int64, force: Bool) throws
}

/// One identity's counted sends: on which channel, and when (unix ms).
public typealias CapSends = [(channel: String, at: Int64)]

/// The cap rule's answer for one identity's sends.
public enum CapCheck: Sendable, Equatable {
    case pass
    case capped(rule: String, freeAt: Int64)
}

public enum CapAdmission: Sendable, Equatable {
    case pass
    case capped(rule: String, freeAt: Int64)
    /// Over the cap only through messages still being sent: their outcomes decide, so wait rather than end.
    case waitForInFlight(rule: String)
}

extension CapAdmission {
    /// The admission of a candidate that was not reserved, from its identity's delivered sends and those in flight:
    /// a wait when only messages still being sent put it over (for a ledger that decides elsewhere and explains here).
    public static func refused(delivered: CapSends, inFlight: CapSends, check: (CapSends) -> CapCheck) -> CapAdmission? {
        guard case .capped(let rule, let freeAt) = check(delivered + inFlight) else { return nil }
        if !inFlight.isEmpty, case .pass = check(delivered) { return .waitForInFlight(rule: rule) }
        return .capped(rule: rule, freeAt: freeAt)
    }
}
