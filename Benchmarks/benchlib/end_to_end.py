"""One end-to-end delivery run, as the smtp and push phases time it: herald started on one channel, N message
files written to spool/tmp, then renamed in (the clock starts at the first rename) until N `delivered` lines."""

import os
import time

from benchlib.config import write_config
from benchlib.delivery_log import LogCounter
from benchlib.finish import finish_delivery
from benchlib.herald import Herald
from benchlib.measure import cpu_seconds
from benchlib.profiler import start_profiler
from benchlib.spool import rename_messages


def run_end_to_end(args, directory, channel, cleanup, n, prefix, message, profile, floor_rate):
    """`message(i)` is the text of file PREFIX-i; `profile` the perf output or None; the wait allows 60 s plus
    N / `floor_rate`. Returns the daemon, its log counter and `finish_delivery`'s Finished."""
    config = write_config(directory, [channel])
    herald = Herald(args.herald, config, cleanup)
    herald.wait_ready(30)
    spool = os.path.join(directory, "spool")
    for i in range(n):
        with open(f"{spool}/tmp/{prefix}-{i}", "w") as f:
            f.write(message(i))
    counter = LogCounter(os.path.join(directory, "log/delivery.log"))
    profiler = start_profiler(profile, herald.pid)
    cpu_before = cpu_seconds(herald.pid)
    started = time.monotonic()
    rename_messages(spool, prefix, 0, n)
    timeout = args.timeout or 60 + n / floor_rate
    return herald, counter, finish_delivery(herald, counter, n, timeout, started, cpu_before, profiler, profile)
