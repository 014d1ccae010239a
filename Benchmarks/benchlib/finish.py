"""The measured end of every delivery run: wait for N `delivered` lines, then stop the profiler and the daemon
and keep what the phases report (seconds, CPU, peak memory, how it stopped)."""

import collections

from benchlib.measure import cpu_seconds, proc_status
from benchlib.profiler import stop_profiler
from benchlib.report import report_wait

Finished = collections.namedtuple("Finished", "seconds cpu status code stop_time")


def finish_delivery(herald, counter, n, timeout, started, cpu_before, profiler=None, profile=None):
    """`seconds` is the time from `started` to the Nth delivered line (None on timeout); `cpu` the daemon's CPU
    seconds since `cpu_before`, read before the profiler and the daemon stop."""
    seconds = counter.wait_for("delivered", n, timeout, herald, started)
    cpu = cpu_seconds(herald.pid) - cpu_before
    stop_profiler(profiler, profile)
    status = proc_status(herald.pid)
    code, stop_time = herald.stop()
    counter.poll()
    counter.close()
    report_wait("delivered", n, seconds, counter, timeout)
    return Finished(seconds, cpu, status, code, stop_time)
