"""The audience phase: N adds end to end through the `generic` provider (batches of 10,000 filled by
batch_linger, each a Standard-Webhooks-signed JSON POST) to the integration tests' loopback ad-platform mock,
which verifies every signature and keeps the membership; members/s and CPU per member."""

import os
import sys

from benchlib.end_to_end import run_end_to_end
from benchlib.report import fmt_rate, log, stopped_line

# The integration tests' mock (and its private CA helpers) sit beside the benchmarks in the repository.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "IntegrationTests"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "IntegrationTests", "peers"))

AUDIENCES = ["cart", "loyal", "lapsed"]
MESSAGE = ('{"id":"%s-%d","channel":"social","category":"marketing","to":{"email":"user%d@example.net",'
           '"external_id":"u-%d"},"audience":{"name":"%s","action":"add"}}\n')


def phase_audience(workdir, args, results, cleanup):
    from audience_harness import AudiencePeer

    n = args.audience
    log(f"\n== audience: {n:,} adds -> generic provider (signed JSON batches) -> loopback mock ==")
    directory = os.path.join(workdir, "audience")
    os.makedirs(directory)
    peer = AudiencePeer(os.path.join(directory, "peer"), tls=False, lifetime=1800)
    cleanup.process(peer.proc, "audience mock")
    ids = ", ".join(f'"{name}" = "{900 + i}"' for i, name in enumerate(AUDIENCES))
    channel = (f'name = "social"\nplugin = "audience"\nprovider = "generic"\nurl = "{peer.generic_url("bench")}"\n'
               f'secret = "{peer.generic_secret}"\nbatch = 10000\nbatch_linger = "1s"\nconcurrency = 2\n'
               f'audiences = {{ {ids} }}\n')
    herald, counter, (delivered, cpu, status, code, stop_time) = run_end_to_end(
        args, directory, channel, cleanup, n, "a", lambda i: MESSAGE % ("a", i, i, i, AUDIENCES[i % 3]),
        args.perf and args.perf + ".audience", 2000)
    requests = peer.requests("generic")
    results["audience"] = n / delivered if delivered else None
    results["audience_cpu_us"] = 1e6 * cpu / max(1, counter.counts["delivered"])
    results["audience_rss"] = status.get("VmHWM", 0) / 1024
    log(f"  end to end: {fmt_rate(results['audience'])} members/s (first rename -> last delivered), daemon CPU "
        f"{cpu:.2f} s ({results['audience_cpu_us']:.0f} µs per member), peak RSS {results['audience_rss']:.1f} MB")
    log(f"  {len(requests):,} requests to the mock, {sum(r.get('count', 0) for r in requests):,} members in them")
    log(f"  events: {counter.summary()}")
    log(f"  {stopped_line(herald, code, stop_time)}")
