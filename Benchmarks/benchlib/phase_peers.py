"""The peers phase: the ceilings Herald's figures are read against, measured on this machine now. It also
starts the nginx that the webhook and policy phases reuse."""

from benchlib.peers import filesystem_rate, nginx_port, run_wrk
from benchlib.report import fmt_rate, log


def phase_peers(workdir, args, results, cleanup):
    log("\n== peers ==")
    count = min(max(args.messages, 5_000), 20_000)
    rate = filesystem_rate(workdir, count)
    results["fs_rate"] = rate
    log(f"  filesystem rename+read+unlink (Python, {count:,} files): {fmt_rate(rate)} files/s")
    if args.only in (None, "webhook"):
        port = nginx_port(workdir, results, cleanup)
        wrk = run_wrk(workdir, port)
        results["wrk"] = wrk
        if wrk is None:
            log("  wrk -> nginx: skipped (wrk not installed, or it failed)")
        else:
            log(f"  wrk -t1 -c32 -d5s, 600-byte POST -> nginx return 204: {fmt_rate(wrk)} req/s")
