import Foundation
import Synchronization

/// Turns a UTC instant into a recipient's wall-clock offset, fast: quiet hours ask this for every marketing message,
/// and building a `TimeZone` per call is too slow at 10,000 messages a second. Per zone name it keeps the `TimeZone`
/// and a few spans of instants over which the offset is known to hold (up to the zone's next transition, and never
/// more than a day, so a rule change that Foundation reports late is picked up within a day). Lookups on a known
/// span are a dictionary hit under a lock. It is not a calendar: no dates, no formatting; offsets only.
public final class ZoneClock: Sendable {
    /// One clock for the process: zones never change while it runs, so every user may share the cache.
    public static let shared = ZoneClock()

    /// Instants in `[from, until)` are `offset` milliseconds ahead of UTC on the wall clock.
    struct Span: Sendable, Equatable {
        var from: Int64
        var until: Int64
        var offset: Int64
    }

    private struct Zone {
        var timeZone: TimeZone
        var spans: [Span]
    }

    private static let spansPerZone = 8
    private static let longestSpan: Int64 = 86_400_000
    private let zones = Mutex<[String: Zone]>([:])

    public init() {}

    /// Whether `name` is a zone this clock can answer for.
    public func knows(_ name: String) -> Bool {
        timeZone(name) != nil
    }

    /// The wall clock's lead over UTC at `instant` (unix ms), in milliseconds; nil for an unknown zone name.
    public func offset(_ name: String, at instant: Int64) -> Int64? {
        span(name, at: instant)?.offset
    }

    /// The span holding `instant`, from the cache or computed and remembered.
    func span(_ name: String, at instant: Int64) -> Span? {
        let cached = zones.withLock { zones -> Span? in
            zones[name]?.spans.first { $0.from <= instant && instant < $0.until }
        }
        if let cached { return cached }
        guard let timeZone = timeZone(name) else { return nil }
        let date = Date(timeIntervalSince1970: Double(instant) / 1000)
        let offset = Int64(timeZone.secondsFromGMT(for: date)) * 1000
        var until = instant + Self.longestSpan
        if let next = timeZone.nextDaylightSavingTimeTransition(after: date) {
            // Transitions fall on whole seconds; rounding only removes floating-point noise.
            let nextMillis = Int64((next.timeIntervalSince1970 * 1000).rounded())
            if nextMillis > instant { until = min(until, nextMillis) }
        }
        let span = Span(from: instant, until: until, offset: offset)
        zones.withLock { zones in
            guard var zone = zones[name] else { return }
            if zone.spans.count >= Self.spansPerZone { zone.spans.removeFirst() }
            zone.spans.append(span)
            zones[name] = zone
        }
        return span
    }

    /// The first instant after `instant` at which the zone's offset differs from its offset at `instant`, looking
    /// at most `horizon` milliseconds ahead; nil when there is none that soon or the zone is unknown.
    func nextChange(_ name: String, after instant: Int64, horizon: Int64 = 7 * 86_400_000) -> Int64? {
        guard let first = span(name, at: instant) else { return nil }
        var current = first
        while current.until < instant + horizon {
            guard let next = span(name, at: current.until) else { return nil }
            if next.offset != first.offset { return current.until }
            current = next
        }
        return nil
    }

    private func timeZone(_ name: String) -> TimeZone? {
        if let known = zones.withLock({ $0[name]?.timeZone }) { return known }
        guard MessageRules.knownTimeZones.contains(name), let timeZone = TimeZone(identifier: name) else { return nil }
        zones.withLock { zones in
            if zones[name] == nil { zones[name] = Zone(timeZone: timeZone, spans: []) }
        }
        return timeZone
    }
}
