"""`perf record` on the daemon for the timed part of a phase, when --perf asks for it. Off by default.

BENCH_CALLGRAPH=dwarf,16384 records stacks through libraries built without frame pointers (SQLite, libc), as
needed to see who calls into them; the default, fp, keeps the files small."""

import os
import signal
import subprocess
import time

from benchlib.report import log


def start_profiler(output, pid):
    """`perf record` on the daemon alone for the timed part of a phase (--perf FILE); None without --perf."""
    if not output:
        return None
    cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "2000", "--call-graph", os.environ.get("BENCH_CALLGRAPH", "fp"), "-p", str(pid), "-o", output]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    time.sleep(0.5)  # perf needs a moment to attach before the load starts
    return proc


def stop_profiler(proc, output):
    if proc is None:
        return
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    log(f"  profile written to {output} (perf report -i {output} --no-children)")
