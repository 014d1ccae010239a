import XCTest

@testable import HeraldCore

/// The dead-destination state machine, transition by transition, without I/O or clocks.
final class DestinationHealthTests: XCTestCase {
    private func health(deadAfter: Int = 3) -> DestinationHealth {
        DestinationHealth(settings: .init(deadAfter: deadAfter, probeMin: 1000, probeMax: 5000, ceiling: 8))
    }

    private func fail(_ health: inout DestinationHealth, _ count: Int, at now: Int64) -> [DestinationHealth.Change] {
        (0..<count).compactMap { _ in
            XCTAssertEqual(health.admit("d", now: now), .open)
            return health.record("d", .transient, probe: false, now: now)
        }
    }

    func testDownAfterDeadAfterConsecutiveTransientOutcomes() {
        var health = health()
        XCTAssertEqual(fail(&health, 2, at: 0), [])
        XCTAssertFalse(health.isDown("d"))
        XCTAssertEqual(fail(&health, 1, at: 10), [.down(destination: "d", failures: 3, nextProbe: 1010)])
        XCTAssertTrue(health.isDown("d"))
        XCTAssertFalse(health.isDown("other"), "destinations are independent")
        XCTAssertEqual(health.admit("other", now: 10), .open)
    }

    func testAnAnswerInBetweenStartsTheCountAgain() {
        var health = health()
        _ = fail(&health, 2, at: 0)
        XCTAssertEqual(health.admit("d", now: 1), .open)
        XCTAssertNil(health.record("d", .answered, probe: false, now: 1))
        XCTAssertEqual(fail(&health, 2, at: 2), [])
        XCTAssertFalse(health.isDown("d"))
        // Throttles and credential errors say nothing either way.
        XCTAssertEqual(health.admit("d", now: 3), .open)
        XCTAssertNil(health.record("d", .neutral, probe: false, now: 3))
        XCTAssertFalse(health.isDown("d"))
    }

    func testOneProbePerIntervalBackingOffToTheMaximum() {
        var health = health()
        _ = fail(&health, 3, at: 0)
        XCTAssertEqual(health.admit("d", now: 500), .closed(until: 1000))
        var probeAt: Int64 = 1000
        for interval in [2000, 4000, 5000, 5000] as [Int64] {
            XCTAssertEqual(health.admit("d", now: probeAt), .probe)
            XCTAssertEqual(health.admit("d", now: probeAt), .closed(until: probeAt + DestinationHealth.rampWait), "one probe at a time")
            XCTAssertNil(health.record("d", .transient, probe: true, now: probeAt))
            XCTAssertEqual(health.admit("d", now: probeAt + interval / 2), .closed(until: probeAt + interval))
            probeAt += interval
        }
    }

    func testAnAnsweredProbeReopensAtOneAndRampsUpToHealthy() {
        var health = health()
        _ = fail(&health, 3, at: 0)
        XCTAssertEqual(health.admit("d", now: 1000), .probe)
        XCTAssertEqual(health.record("d", .answered, probe: true, now: 1200), .up(destination: "d", downSince: 0))
        XCTAssertFalse(health.isDown("d"))
        XCTAssertEqual(health.admit("d", now: 1300), .open)
        XCTAssertEqual(health.admit("d", now: 1300), .closed(until: 1300 + DestinationHealth.rampWait), "one in flight")
        XCTAssertNil(health.record("d", .answered, probe: false, now: 1400))
        // 2, then 4, then the ceiling (8): healthy, no entry left.
        for width in [2, 4] {
            for _ in 0..<width { XCTAssertEqual(health.admit("d", now: 1500), .open) }
            XCTAssertEqual(health.admit("d", now: 1500), .closed(until: 1500 + DestinationHealth.rampWait))
            for _ in 0..<width { _ = health.record("d", .answered, probe: false, now: 1600) }
        }
        XCTAssertTrue(health.states.isEmpty, "a healthy destination leaves no state behind")
    }

    func testACancelledProbeLetsTheNextOneGo() {
        var health = health()
        _ = fail(&health, 3, at: 0)
        XCTAssertEqual(health.admit("d", now: 1000), .probe)
        health.cancel("d", probe: true)
        XCTAssertEqual(health.admit("d", now: 1000), .probe)
    }

    func testHealthyDestinationsAreNotKept() {
        var health = health()
        for n in 0..<1000 {
            XCTAssertEqual(health.admit("d\(n)", now: 0), .open)
            _ = health.record("d\(n)", .answered, probe: false, now: 0)
        }
        XCTAssertTrue(health.states.isEmpty)
    }

    func testADestinationAnotherHostFoundDownIsHeldBackUntilTheClustersProbe() {
        var health = health()
        XCTAssertTrue(health.adopt("d", since: 100, nextProbe: 2000))
        XCTAssertFalse(health.adopt("d", since: 100, nextProbe: 3000), "already down: only the probe moves later")
        XCTAssertEqual(health.admit("d", now: 2500), .closed(until: 3000))
        XCTAssertEqual(health.admit("d", now: 3000), .probe)
        XCTAssertFalse(health.release("d"), "not while this host's own probe is out")
        XCTAssertNil(health.record("d", .transient, probe: true, now: 3100))
        XCTAssertTrue(health.release("d"), "another host's probe was answered")
        XCTAssertFalse(health.isDown("d"))
        XCTAssertEqual(health.admit("d", now: 3200), .open)
        XCTAssertEqual(health.admit("d", now: 3200), .closed(until: 3200 + DestinationHealth.rampWait), "ramping from one")
        XCTAssertFalse(health.release("elsewhere"), "nothing to release")
    }
}
