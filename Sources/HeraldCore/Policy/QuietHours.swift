import HeraldPluginAPI

/// The quiet-hours rule (`[policy] quiet_hours`): whether a marketing message may go now, judged on the recipient's
/// own wall clock, and if not, when it may. A pure function of its inputs: the caller passes the time and the jitter
/// draw, this reads no clock and draws no random numbers. It does not decide which messages it applies to
/// (transactional ones are exempt; the policy layer checks the category) and does not reschedule anything.
///
/// The window is `[start, end)` in local time, minute precision; `start > end` crosses midnight (21:00–08:00),
/// `start < end` does not (13:00–14:00). A message is deferred to the window's end plus `fraction × jitter`, so a
/// night's backlog spreads over `[end, end + jitter)` instead of leaving at 08:00:00 at once.
///
/// Clock changes, by rule: inside or outside is decided by the wall clock at `now`. The window ends at the first
/// instant after `now` at which the wall clock reads `end` or later: when `end` falls in a skipped hour (spring
/// forward) that is the instant of the change; when it falls in a repeated hour (fall back) it is its first
/// occurrence, unless `now` is already in the repeat, then it is the second.
public struct QuietHours: Sendable, Equatable, CustomStringConvertible {
    /// Minutes after local midnight, 0..<1440.
    public var start: Int
    public var end: Int
    /// For recipients without `to.timezone` (or with one this system does not know).
    public var defaultTimezone: String
    /// Deferred messages spread over `[end, end + jitter)`.
    public var jitter: Duration
    let clock: ZoneClock

    private static let day: Int64 = 86_400_000

    public init(
        start: Int, end: Int, defaultTimezone: String = "UTC", jitter: Duration = .zero, clock: ZoneClock = .shared
    ) {
        self.start = start
        self.end = end
        self.defaultTimezone = defaultTimezone
        self.jitter = jitter
        self.clock = clock
    }

    /// Nil when `now` (unix ms) is outside the window on the recipient's wall clock; otherwise the unix ms at which
    /// the message may go: the window's end plus `fraction × jitter` (`fraction` is clamped to 0..<1, and drawn
    /// only for a message that is deferred: a random draw is a syscall, too dear for every message that passes).
    /// `timezone` nil or unknown: the default time zone.
    public func deferral(now: Int64, timezone: String?, jitter fraction: @autoclosure () -> Double) -> Int64? {
        var zone = defaultTimezone
        var offset = clock.offset(zone, at: now)
        if let timezone, let own = clock.offset(timezone, at: now) {
            zone = timezone
            offset = own
        }
        guard let offset else { return nil }  // the default zone was validated; unreachable in practice
        let local = now + offset
        let midnight = Self.floorDiv(local, Self.day) * Self.day
        let sinceMidnight = local - midnight
        let startMs = Int64(start) * 60_000
        let endMs = Int64(end) * 60_000
        let inside =
            start < end
            ? sinceMidnight >= startMs && sinceMidnight < endMs
            : sinceMidnight >= startMs || sinceMidnight < endMs
        guard inside else { return nil }
        let localEnd = sinceMidnight < endMs ? midnight + endMs : midnight + Self.day + endMs
        let endsAt = max(instant(ofLocal: localEnd, zone: zone, offsetNow: offset), now + 1)
        let drawn = fraction()
        let share = drawn.isFinite ? min(max(drawn, 0), 1.0.nextDown) : 0
        return endsAt + Int64((share * Double(jitter.milliseconds)).rounded(.down))
    }

    /// The first instant after now whose wall-clock reading is `local` or later (see the type's comment).
    private func instant(ofLocal local: Int64, zone: String, offsetNow: Int64) -> Int64 {
        // Reading `local` with the offset in force now is right unless a change lies between now and then.
        let first = local - offsetNow
        guard let offsetThen = clock.offset(zone, at: first), offsetThen != offsetNow else { return first }
        let second = local - offsetThen
        if clock.offset(zone, at: second) == offsetThen { return second }
        // Neither offset reads `local`: it was skipped. The clock jumped past it at the change between the two.
        let before = local - max(offsetNow, offsetThen)
        return clock.nextChange(zone, after: before) ?? first
    }

    /// "HH:MM" (00:00–23:59) as minutes after midnight; nil for anything else.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hours = Int(parts[0]), let minutes = Int(parts[1]), hours < 24, minutes < 60
        else { return nil }
        return hours * 60 + minutes
    }

    public var description: String {
        func text(_ minutes: Int) -> String {
            let hours = minutes / 60
            let rest = minutes % 60
            return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
        }
        return "\(text(start))–\(text(end))"
    }

    public static func == (lhs: QuietHours, rhs: QuietHours) -> Bool {
        lhs.start == rhs.start && lhs.end == rhs.end && lhs.defaultTimezone == rhs.defaultTimezone
            && lhs.jitter == rhs.jitter
    }

    private static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
