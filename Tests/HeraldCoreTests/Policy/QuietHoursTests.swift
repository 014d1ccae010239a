import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class QuietHoursTests: XCTestCase {
    private func at(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Int64 {
        guard let millis = Timestamp.parse(text) else {
            XCTFail("bad timestamp \(text)", file: file, line: line)
            return 0
        }
        return millis
    }

    private func window(_ start: String, _ end: String, zone: String = "UTC", jitter: Duration = .zero) -> QuietHours {
        QuietHours(
            start: QuietHours.minutes(start) ?? -1, end: QuietHours.minutes(end) ?? -1, defaultTimezone: zone,
            jitter: jitter)
    }

    /// (zone, start, end, now, expected end or nil): times are written in the zone's own offset at that instant.
    func testWindows() {
        let cases: [(String, String, String, String, String?)] = [
            // Asia/Kathmandu, +05:45 all year; a window crossing midnight.
            ("Asia/Kathmandu", "21:00", "08:00", "2026-06-01T22:00:00+05:45", "2026-06-02T08:00:00+05:45"),
            ("Asia/Kathmandu", "21:00", "08:00", "2026-06-02T07:59:00+05:45", "2026-06-02T08:00:00+05:45"),
            ("Asia/Kathmandu", "21:00", "08:00", "2026-06-01T21:00:00+05:45", "2026-06-02T08:00:00+05:45"),
            ("Asia/Kathmandu", "21:00", "08:00", "2026-06-01T20:59:59.999+05:45", nil),
            ("Asia/Kathmandu", "21:00", "08:00", "2026-06-02T08:00:00+05:45", nil),
            ("Asia/Kathmandu", "21:00", "08:00", "2026-06-01T15:15:00Z", "2026-06-02T02:15:00Z"),
            ("Asia/Kathmandu", "21:00", "08:00", "2026-06-01T12:00:00+05:45", nil),
            // Asia/Kuala_Lumpur, +08:00; a window within one day, and one crossing midnight.
            ("Asia/Kuala_Lumpur", "13:00", "14:00", "2026-11-23T13:00:00+08:00", "2026-11-23T14:00:00+08:00"),
            ("Asia/Kuala_Lumpur", "13:00", "14:00", "2026-11-23T13:59:59+08:00", "2026-11-23T14:00:00+08:00"),
            ("Asia/Kuala_Lumpur", "13:00", "14:00", "2026-11-23T14:00:00+08:00", nil),
            ("Asia/Kuala_Lumpur", "13:00", "14:00", "2026-11-23T12:59:00+08:00", nil),
            ("Asia/Kuala_Lumpur", "13:00", "14:00", "2026-11-23T23:30:00+08:00", nil),
            ("Asia/Kuala_Lumpur", "21:00", "08:00", "2026-11-23T23:30:00+08:00", "2026-11-24T08:00:00+08:00"),
            ("Asia/Kuala_Lumpur", "21:00", "08:00", "2026-11-24T00:00:00+08:00", "2026-11-24T08:00:00+08:00"),
            ("Asia/Kuala_Lumpur", "21:00", "08:00", "2026-12-31T22:00:00+08:00", "2027-01-01T08:00:00+08:00"),
            // America/New_York, spring forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z).
            ("America/New_York", "21:00", "08:00", "2026-03-07T22:00:00-05:00", "2026-03-08T08:00:00-04:00"),
            ("America/New_York", "21:00", "08:00", "2026-03-08T01:59:00-05:00", "2026-03-08T08:00:00-04:00"),
            ("America/New_York", "21:00", "08:00", "2026-03-08T03:00:00-04:00", "2026-03-08T08:00:00-04:00"),
            ("America/New_York", "21:00", "08:00", "2026-03-08T08:00:00-04:00", nil),
            // The end falls in the skipped hour: the window ends when the clock jumps past it.
            ("America/New_York", "21:00", "02:30", "2026-03-07T23:00:00-05:00", "2026-03-08T03:00:00-04:00"),
            ("America/New_York", "21:00", "02:30", "2026-03-08T01:59:59-05:00", "2026-03-08T03:00:00-04:00"),
            ("America/New_York", "21:00", "02:30", "2026-03-08T03:00:00-04:00", nil),
            // The start falls in the skipped hour: from the jump on, the clock reads past it.
            ("America/New_York", "02:30", "05:00", "2026-03-08T01:59:00-05:00", nil),
            ("America/New_York", "02:30", "05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T05:00:00-04:00"),
            // Fall back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
            ("America/New_York", "21:00", "08:00", "2026-10-31T22:00:00-04:00", "2026-11-01T08:00:00-05:00"),
            ("America/New_York", "21:00", "08:00", "2026-11-01T01:30:00-05:00", "2026-11-01T08:00:00-05:00"),
            // The end falls in the repeated hour: its first occurrence, or the second when now is in the repeat.
            ("America/New_York", "21:00", "01:30", "2026-10-31T23:00:00-04:00", "2026-11-01T01:30:00-04:00"),
            ("America/New_York", "21:00", "01:30", "2026-11-01T01:10:00-05:00", "2026-11-01T01:30:00-05:00"),
            ("America/New_York", "21:00", "01:30", "2026-11-01T01:40:00-04:00", nil),
            ("America/New_York", "21:00", "02:30", "2026-10-31T23:00:00-04:00", "2026-11-01T02:30:00-05:00"),
            ("America/New_York", "13:00", "14:00", "2026-11-01T13:30:00-05:00", "2026-11-01T14:00:00-05:00"),
            // Lord Howe moves by 30 minutes (5 Apr 2026, 02:00 +11:00 → 01:30 +10:30).
            ("Australia/Lord_Howe", "21:00", "08:00", "2026-04-04T22:00:00+11:00", "2026-04-05T08:00:00+10:30"),
            ("UTC", "22:00", "06:00", "2026-01-01T23:00:00Z", "2026-01-02T06:00:00Z"),
        ]
        for (zone, start, end, now, expected) in cases {
            let rule = window(start, end)
            let got = rule.deferral(now: at(now), timezone: zone, jitter: 0)
            XCTAssertEqual(
                got.map(Timestamp.format), expected.map { Timestamp.format(at($0)) },
                "\(zone) \(start)–\(end) at \(now)")
        }
    }

    func testDefaultAndUnknownZones() {
        let rule = window("21:00", "08:00", zone: "Asia/Kuala_Lumpur")
        let now = at("2026-11-23T15:00:00Z")  // 23:00 in Kuala Lumpur, 15:00 in UTC
        let expected = at("2026-11-24T08:00:00+08:00")
        XCTAssertEqual(rule.deferral(now: now, timezone: nil, jitter: 0), expected)
        XCTAssertEqual(rule.deferral(now: now, timezone: "Mars/Olympus_Mons", jitter: 0), expected)
        XCTAssertNil(rule.deferral(now: now, timezone: "UTC", jitter: 0))
        XCTAssertNil(window("21:00", "08:00").deferral(now: now, timezone: nil, jitter: 0))
    }

    func testJitterSpreadsOverHalfOpenRange() {
        let rule = window("21:00", "08:00", jitter: .seconds(600))
        let now = at("2026-01-01T23:00:00Z")
        let end = at("2026-01-02T08:00:00Z")
        let draws: [(Double, Int64)] = [
            (0, end), (0.5, end + 300_000), (0.999_999, end + 599_999), (1, end + 599_999), (-3, end),
            (.nan, end), (.infinity, end),
        ]
        for (draw, expected) in draws {
            XCTAssertEqual(rule.deferral(now: now, timezone: nil, jitter: draw), expected, "jitter \(draw)")
        }
    }

    func testParsesTimesOfDay() {
        let cases: [(String, Int?)] = [
            ("00:00", 0), ("08:00", 480), ("21:30", 1290), ("23:59", 1439), ("24:00", nil), ("25:00", nil),
            ("8:00", nil), ("08:60", nil), ("0800", nil), ("08:00:00", nil), ("", nil), ("+8:00", nil), ("٠٨:٠٠", nil),
        ]
        for (text, minutes) in cases { XCTAssertEqual(QuietHours.minutes(text), minutes, text) }
        XCTAssertEqual(window("21:00", "08:05").description, "21:00–08:05")
    }

    /// The cached spans must agree with Foundation at every hour of 2026, visited in order and out of it.
    func testZoneClockAgreesWithFoundation() {
        let zones = ["America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Lisbon", "America/Santiago"]
        let start = at("2026-01-01T00:30:00Z")
        let hours = (0..<(366 * 24)).map { start + Int64($0) * 3_600_000 }
        for zone in zones {
            guard let timeZone = TimeZone(identifier: zone) else { return XCTFail(zone) }
            for order in [hours, hours.reversed(), hours.shuffled()] {
                let clock = ZoneClock()
                for instant in order {
                    let expected = Int64(
                        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant) / 1000)))
                    guard clock.offset(zone, at: instant) == expected * 1000 else {
                        return XCTFail("\(zone) at \(Timestamp.format(instant))")
                    }
                }
            }
        }
        XCTAssertNil(ZoneClock().offset("Mars/Olympus_Mons", at: start))
    }

    /// A long sweep through the cached zone spans (across the New York DST change of 2026-03-08) agrees with
    /// Foundation's own offsets on whether each instant is inside the window. Speed is the bench's business.
    func testCachedSweepAgreesWithFoundation() throws {
        let rule = window("21:00", "08:00")
        let zones = ["America/New_York", "Asia/Kathmandu", "Asia/Kuala_Lumpur", "Europe/Lisbon"]
        let base = at("2026-03-07T12:00:00Z")
        var deferred = 0
        for index in 0..<100_000 {
            let now = base + Int64(index) * 1_000
            let zone = zones[index % zones.count]
            let offset = try XCTUnwrap(TimeZone(identifier: zone)).secondsFromGMT(for: Date(timeIntervalSince1970: Double(now) / 1000))
            let minute = ((now / 1000 + Int64(offset)) % 86_400 + 86_400) % 86_400 / 60
            let inside = minute >= 21 * 60 || minute < 8 * 60
            let got = rule.deferral(now: now, timezone: zone, jitter: 0.5)
            XCTAssertEqual(got != nil, inside, "\(zone) at \(now)")
            if got != nil { deferred += 1 }
        }
        XCTAssertGreaterThan(deferred, 0)
    }
}
