"""A backlog built while the webhook channel is paused, then drained by an unpaused restart: delivery
timed apart from intake. Shared by the webhook and policy phases."""

import os
import subprocess
import time

from benchlib.config import webhook_channel, write_config
from benchlib.delivery_log import LogCounter
from benchlib.finish import finish_delivery
from benchlib.herald import Herald
from benchlib.measure import cpu_seconds
from benchlib.profiler import start_profiler
from benchlib.report import report_wait
from benchlib.spool import rename_messages, write_messages


def queue_while_paused(directory, args, cleanup, port, extra, suppressions=0, people=None):
    """Queues N messages for the paused webhook channel (and imports `suppressions` addresses), then rewrites the
    config unpaused for the caller's restart: (config, counter, timeout), or None when intake fell short."""
    n = args.messages
    config = write_config(directory, [webhook_channel(port, paused=True)], extra)
    if suppressions:
        csv = os.path.join(directory, "suppressed.csv")
        with open(csv, "w") as f:
            f.write("address,reason\n" + "".join(f"gone{i}@example.org,hard_bounce\n" for i in range(suppressions)))
        done = subprocess.run([args.herald, "suppress", "import", csv, "--config", config],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"herald suppress import failed: {done.stderr.strip()}")
    spool = os.path.join(directory, "spool")
    counter = LogCounter(os.path.join(directory, "log/delivery.log"))
    timeout = args.timeout or 60 + n / 500
    herald = Herald(args.herald, config, cleanup)
    herald.wait_ready(30)
    write_messages(f"{spool}/tmp", "b", 0, n, "webhook", people)
    started = time.monotonic()
    rename_messages(spool, "b", 0, n)
    accepted = counter.wait_for("accepted", n, timeout, herald, started)
    herald.stop()
    if accepted is None:
        report_wait("accepted", n, None, counter, timeout)
        return None
    write_config(directory, [webhook_channel(port, paused=False)], extra)  # channel changes apply at restart
    return config, counter, timeout


def drain_rate(workdir, args, cleanup, port, name, extra, suppressions, cpu=None, profile=None, people=None):
    """Delivery alone, in msgs/s: N queued while paused, then READY=1 -> N delivered after an unpaused restart.
    With a `cpu` list, appends the daemon's CPU time per delivered message (µs) for the same span; with a
    `profile` path, `perf record`s the drain there."""
    queued = queue_while_paused(os.path.join(workdir, name), args, cleanup, port, extra, suppressions, people)
    if queued is None:
        return None
    config, counter, timeout = queued
    herald = Herald(args.herald, config, cleanup)
    herald.wait_ready(60)
    # perf -p follows only the threads alive when it attaches, so it starts after READY=1; the drain it
    # misses meanwhile only shortens the profile.
    profiler = start_profiler(profile, herald.pid)
    started, cpu_start = time.monotonic(), cpu_seconds(herald.pid)
    run = finish_delivery(herald, counter, args.messages, timeout, started, cpu_start, profiler, profile)
    if cpu is not None and run.seconds:
        cpu.append(run.cpu * 1e6 / args.messages)
    return args.messages / run.seconds if run.seconds else None
