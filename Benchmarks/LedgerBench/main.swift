import Foundation
import HeraldCore

/// What recording delivery events costs the event ledger (`STATE/events.sqlite`: hourly counters, latency
/// histograms, the callbacks outbox): 100 batches of 1,000 events, with callbacks off, on for every event, and on
/// for three of five kinds. A benchmark, not a test: `make bench` runs the release build and prints wall and CPU
/// time; the counts are checked so a broken ledger does not report a fast run.

func processCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

let base: Int64 = 1_795_428_000_000
let kinds: [LogEvent.Kind] = [.accepted, .delivered, .delivered, .deferred, .failed]
let batches = (0..<100).map { batch in
    (0..<1000).map { n in
        LogEvent(
            ts: base + Int64(batch * 1000 + n), id: "msg-\(batch)-\(n)", event: kinds[n % kinds.count],
            channel: ["email", "push", "webhook"][n % 3], plugin: "smtp", attempt: 1, campaign: "campaign-\(n % 10)",
            stage: "retention", to: "a***@example.com", code: "250", detail: "2.0.0 Ok: queued as 4XyZ",
            latencyMs: Int64(n % 500))
    }
}
let root = NSTemporaryDirectory() + "herald-ledger-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: root) }
let sent: Set<String> = ["delivered", "failed", "suppressed", "capped", "fallback", "expired"]
var failed = false
for (name, callbacks, selected) in [("off", false, nil), ("all events", true, nil), ("3 of 5 kinds", true, sent)] {
    let ledger = try EventLedger(directory: root + "/\(name)", callbacks: callbacks, callbackEvents: selected)
    let start = ContinuousClock.now
    let cpuStart = processCPUSeconds()
    for batch in batches { try ledger.record(batch, now: base) }
    let elapsed = ContinuousClock.now - start
    let cpu = processCPUSeconds() - cpuStart
    let counted = try ledger.counts(since: 0, by: .event).reduce(0) { $0 + $1.counts.values.reduce(0, +) }
    let rate = Double(100_000) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    print(String(format: "ledger, callbacks %@: %.0f events/s, %.2f µs CPU per event", name, rate, cpu * 1e6 / 100_000))
    if counted != 100_000 {
        print("ledger, callbacks \(name): counted \(counted) events, expected 100,000")
        failed = true
    }
}
exit(failed ? 1 : 0)
