#!/usr/bin/env python3
"""Herald throughput and memory benchmarks (see ../shared/BENCHMARKS.md for the reference figures).

    HERALD_BIN=$PWD/.build/release/herald python3 Benchmarks/bench.py [--messages N] [--queue N] [--only webhook|queue]

Everything runs in one temp dir (removed at the end, even on error or Ctrl-C), with a private copy of the binary:

  peers    the spool ceiling (rename + read + unlink per file, in Python) and, if `wrk` is installed,
           wrk -t1 -c32 -d5s with a 600-byte POST against the same nginx Herald will talk to.
  webhook  N messages (default 20,000) to a local nginx (`return 204`), one channel at concurrency 64:
           end to end: files renamed into incoming/ while the daemon runs; intake rate (until N "accepted"
             lines) and delivery rate (until N "delivered" lines), both timed from the first rename;
           backlog drain: N queued while the channel is paused, then a restart unpaused; READY=1 -> N
             delivered isolates the delivery path from intake.
  queue    Q messages (default 1,000,000) for a paused channel, written to tmp/ and renamed in in batches
           (--batch, default 100,000) while the daemon runs: intake rate (time spent ingesting, from the first
           rename of a batch to its last "accepted" line), peak RSS (VmHWM), CPU used over 10 s of idling once
           the daemon has settled, the size of the state directory, and a restart to READY=1 with the full queue.
  audience A adds (default 200,000) end to end through the generic provider (signed JSON batches of 10,000,
           filled by batch_linger) to the integration tests' ad-platform mock: members/s, CPU per member.
  push     P APNs deliveries (default 50,000) end to end to a loopback nghttpd over HTTP/2 with TLS from a private
           CA (--echo-upload answers 200), beside h2load -c 4 -m 100 against the same server: msgs/s, CPU per
           message, peak RSS.
  livechat V visitors (default 10,000) with an SSE stream each open to the chat widget's endpoint: daemon RSS per
           idle stream, then one message to each, acked by the client: msgs/s, CPU per message.
  ledger   100 batches of 1,000 delivery events recorded by the event ledger (herald-ledger-bench), with
           callbacks off, on for all events and for three of five kinds: events/s and CPU per event.
  cluster  C messages (default 30,000) to the same nginx through three daemons with their own spools sharing one
           queue in a private PostgreSQL cluster started here, then through one daemon on SQLite, in the same run:
           aggregate msgs/s (first rename -> last delivered), herald and PostgreSQL CPU per message, peak RSS.
  retention (only with --only retention: it takes about 17 minutes)
           R messages (default 1,000,000, fed at --retention-rate 1,000/s) delivered to nginx with
           dedup_window = "30s": queue.sqlite (+ -wal)
           every 100,000 deliveries; after the first window, the last five readings within 10% of each other.

The daemon runs as under systemd/herald.service as far as a benchmark can tell: with its own NOTIFY_SOCKET
(READY=1, STATUS=, STOPPING=1 are checked) and WATCHDOG_USEC=30 s (the longest gap between pings is reported).
Every wait is bounded: on a timeout a phase reports how far it got and the run goes on.
"""

import argparse
import os
import signal
import sys
import tempfile

# The package beside this script, wherever it is run from (python3 -P or PYTHONSAFEPATH leave it off sys.path).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib.cleanup import Cleanup, Stopped, on_signal
from benchlib.herald import snapshot_binary
from benchlib.measure import load_average
from benchlib.phase_cluster import phase_cluster
from benchlib.phase_peers import phase_peers
from benchlib.phase_policy import phase_policy
from benchlib.phase_audience import phase_audience
from benchlib.phase_push import phase_push
from benchlib.phase_queue import phase_queue
from benchlib.phase_ledger import phase_ledger
from benchlib.phase_livechat import phase_livechat
from benchlib.phase_retention import phase_retention
from benchlib.phase_smtp import phase_smtp
from benchlib.phase_webhook import phase_webhook
from benchlib.report import log
from benchlib.summary import summary


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000, help="webhook phase size (default 20,000)")
    parser.add_argument("--push", type=int, default=50_000, help="push phase size (default 50,000)")
    parser.add_argument("--audience", type=int, default=200_000, help="audience phase size (default 200,000)")
    parser.add_argument("--livechat", type=int, default=10_000, help="livechat phase: visitors connected at once (default 10,000)")
    parser.add_argument("--queue", type=int, default=1_000_000, help="queue phase size (default 1,000,000)")
    parser.add_argument("--retention", type=int, default=1_000_000, help="retention phase size (default 1,000,000)")
    parser.add_argument("--retention-rate", type=int, default=1_000, help="retention phase feed, msgs/s (default 1,000)")
    parser.add_argument("--batch", type=int, default=100_000, help="files per rename batch in the queue phase")
    parser.add_argument("--cluster", type=int, default=30_000, help="cluster phase size, over 3 hosts on PostgreSQL and 1 on SQLite (default 30,000)")
    parser.add_argument("--only", choices=["webhook", "smtp", "push", "audience", "livechat", "policy", "queue", "ledger", "retention", "cluster"], help="run one phase (plus the peers)")
    parser.add_argument("--idle", type=float, default=10, help="seconds of idle CPU measurement (default 10)")
    parser.add_argument("--timeout", type=float, help="override every per-wait timeout, in seconds")
    parser.add_argument("--perf", metavar="FILE", help="perf record the daemon during the end-to-end webhook run (FILE), the backlog drain (FILE.backlog), the smtp run (FILE.smtp) and "
                             "the first policy drains (FILE.policy-off, FILE.policy-on)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, configs) for inspection")
    parser.add_argument("--herald", default=os.environ.get("HERALD_BIN"), help="the binary (default $HERALD_BIN)")
    args = parser.parse_args()
    if not args.herald or not os.access(args.herald, os.X_OK):
        parser.error("set HERALD_BIN (or --herald) to an executable herald, e.g. $PWD/.build/release/herald")
    args.herald = os.path.abspath(args.herald)
    return args


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    cleanup = Cleanup()
    results = {}
    failed = False
    workdir = cleanup.directory(tempfile.mkdtemp(prefix="herald-bench-"))
    log(f"workdir {workdir} ({os.cpu_count()} CPUs, load average {load_average()})")
    args.herald = snapshot_binary(args.herald, workdir)
    try:
        phase_peers(workdir, args, results, cleanup)
        for name, phase in (("webhook", phase_webhook), ("smtp", phase_smtp), ("push", phase_push),
                            ("audience", phase_audience), ("livechat", phase_livechat), ("policy", phase_policy), ("queue", phase_queue), ("ledger", phase_ledger), ("retention", phase_retention),
                            ("cluster", phase_cluster)):
            # The retention phase paces a million messages over ~17 minutes: asked for by name only.
            if args.only == name or (args.only is None and name != "retention"):
                try:
                    phase(workdir, args, results, cleanup)
                except (RuntimeError, OSError) as error:
                    failed = True
                    log(f"  {name} phase FAILED: {error}")
    except Stopped as stop:
        failed = True
        log(f"\ninterrupted ({stop}); cleaning up")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cleanup.run(args.keep)
    summary(results)
    log(f"\nload average at the end: {load_average()} (other work on the machine skews every figure)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
