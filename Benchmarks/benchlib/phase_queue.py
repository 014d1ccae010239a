"""The queue phase: a large queue for a paused channel; intake rate, peak memory, idle CPU, state size and a
restart with everything queued. Nothing is delivered."""

import os
import time

from benchlib.config import write_config
from benchlib.delivery_log import LogCounter
from benchlib.herald import Herald
from benchlib.measure import cpu_seconds, directory_size, proc_status
from benchlib.report import fmt_rate, log, stopped_line
from benchlib.settings import SECRET
from benchlib.spool import rename_messages, write_messages


def phase_queue(workdir, args, results, cleanup):
    q, batch = args.queue, min(args.batch, args.queue)
    log(f"\n== queue: {q:,} messages for a paused channel, renamed in batches of {batch:,} ==")
    directory = os.path.join(workdir, "queue")
    config = write_config(directory, ["""
name = "webhook"
plugin = "webhook"
url = "http://127.0.0.1:9/hook"
secret = "%s"
concurrency = 64
paused = true
""" % SECRET])
    # The idle measurement includes the WATCHDOG=1/STATUS= pings (every 15 s) and their queue count query.
    herald = Herald(args.herald, config, cleanup)
    log(f"  herald pid {herald.pid} ready in {herald.wait_ready(30):.2f} s")
    spool = os.path.join(directory, "spool")
    counter = LogCounter(os.path.join(directory, "log/delivery.log"))

    busy, done, start = 0.0, 0, 0
    while start < q:
        count = min(batch, q - start)
        made = time.monotonic()
        write_messages(f"{spool}/tmp", "q", start, count, "webhook")
        made = time.monotonic() - made
        began = time.monotonic()
        rename_messages(spool, "q", start, count)
        renamed = time.monotonic() - began
        elapsed = counter.wait_for("accepted", start + count, args.timeout or 60 + count / 1000, herald, began)
        rss = proc_status(herald.pid).get("VmRSS", 0) / 1024
        if elapsed is None:
            log(f"  batch {start:,}+{count:,}: TIMEOUT, accepted {counter.counts['accepted']:,} so far")
            break
        busy += elapsed
        done = start + count
        log(f"  batch {start:>9,}+{count:,}: written in {made:.1f} s; renamed in {renamed:.2f} s, all accepted after {elapsed:.2f} s "
            f"({count / elapsed:,.0f} files/s), RSS now {rss:.1f} MB")
        start += count
    results["intake"] = done / busy if busy else None
    log(f"  intake: {done:,} files in {busy:.2f} s of intake = {fmt_rate(results['intake'])} files/s")

    results["idle_cpu"] = measure_idle(herald, args.idle)
    results["idle_seconds"] = args.idle
    status = proc_status(herald.pid)
    results["queue_rss"] = status.get("VmHWM", 0) / 1024
    log(f"  peak RSS (VmHWM) {results['queue_rss']:.1f} MB, RSS now {status.get('VmRSS', 0) / 1024:.1f} MB, "
        f"{status.get('Threads', '?')} threads; last STATUS={herald.status!r}")
    code, stop_time = herald.stop()
    counter.poll()
    log(f"  events: {counter.summary()}")
    log(f"  {stopped_line(herald, code, stop_time)}")
    log(f"  state directory {directory_size(os.path.join(directory, 'state')) / 2**20:.0f} MB "
        f"({directory_size(os.path.join(directory, 'state')) / max(1, done):.0f} bytes per queued message)")
    counter.close()

    again = Herald(args.herald, config, cleanup)
    ready = again.wait_ready(120)
    results["restart"] = ready
    log(f"  restart with {done:,} queued: READY=1 after {ready:.2f} s, "
        f"RSS {proc_status(again.pid).get('VmRSS', 0) / 1024:.1f} MB; STATUS={again.status!r}")
    again.stop()


def measure_idle(herald, seconds, settle_limit=30):
    """CPU seconds the daemon uses over `seconds` once intake is over (nothing to send: the channel is paused).
    First waits (up to `settle_limit` s) for two quiet seconds in a row, so after-intake work (WAL checkpoint,
    unlinks the kernel still finishes) is reported as settling time rather than as idle cost."""
    started, quiet, last = time.monotonic(), 0, cpu_seconds(herald.pid)
    while quiet < 2 and time.monotonic() - started < settle_limit:
        time.sleep(1)
        now = cpu_seconds(herald.pid)
        quiet = quiet + 1 if now - last < 0.01 else 0
        last = now
    settled = time.monotonic() - started
    before = cpu_seconds(herald.pid)
    time.sleep(seconds)
    used = cpu_seconds(herald.pid) - before
    log(f"  idle: {used:.2f} CPU s in {seconds:.0f} s (measured after {settled:.0f} s of settling"
        f"{'' if quiet >= 2 else ', never quiet'})")
    return used
