"""The ledger phase: what recording delivery events costs the event ledger (STATE/events.sqlite), measured by the
`herald-ledger-bench` executable built beside `herald` (Benchmarks/LedgerBench). It was a unit test once; a
figure like this belongs here, where nothing asserts a time."""
import os
import subprocess

from benchlib.report import log


def phase_ledger(workdir, args, results, cleanup):
    log("\n== ledger ==")
    binary = os.path.join(os.path.dirname(os.path.realpath(os.environ.get("HERALD_BIN", args.herald))), "herald-ledger-bench")
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"{binary} not found: swift build -c release builds it")
    run = subprocess.run([binary], capture_output=True, text=True, timeout=600)
    for line in run.stdout.splitlines():
        log(f"  {line}")
    if run.returncode != 0:
        raise RuntimeError(f"herald-ledger-bench failed: {run.stderr.strip() or run.stdout.strip()}")
    results["ledger"] = run.stdout.splitlines()
