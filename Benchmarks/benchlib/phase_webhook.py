"""The webhook phase: N messages to a local nginx, end to end and as a backlog drain."""

import os
import time

from benchlib.backlog import queue_while_paused
from benchlib.config import webhook_channel, write_config
from benchlib.delivery_log import LogCounter
from benchlib.finish import finish_delivery
from benchlib.herald import Herald
from benchlib.measure import cpu_seconds, proc_status
from benchlib.peers import nginx_port
from benchlib.profiler import start_profiler, stop_profiler
from benchlib.report import fmt_rate, log, report_wait, stopped_line
from benchlib.spool import rename_messages, write_messages


def phase_webhook(workdir, args, results, cleanup):
    n = args.messages
    log(f"\n== webhook: {n:,} messages -> nginx (return 204), concurrency 64 ==")
    port = nginx_port(workdir, results, cleanup)
    webhook_end_to_end(workdir, args, results, cleanup, port)
    webhook_backlog(workdir, args, results, cleanup, port)


def webhook_end_to_end(workdir, args, results, cleanup, port):
    """Files renamed in while the daemon runs: intake and delivery overlap, as in production."""
    n = args.messages
    log("  -- end to end: rename into incoming/ -> delivered --")
    directory = os.path.join(workdir, "webhook")
    config = write_config(directory, [webhook_channel(port)])
    herald = Herald(args.herald, config, cleanup)
    log(f"  herald pid {herald.pid} ready in {herald.wait_ready(30):.2f} s")
    spool = os.path.join(directory, "spool")
    made = time.monotonic()
    write_messages(f"{spool}/tmp", "w", 0, n, "webhook")
    log(f"  wrote {n:,} files into spool/tmp in {time.monotonic() - made:.2f} s")

    counter = LogCounter(os.path.join(directory, "log/delivery.log"))
    profiler = start_profiler(args.perf, herald.pid)
    cpu_before = cpu_seconds(herald.pid)
    started = time.monotonic()
    rename_messages(spool, "w", 0, n)
    renamed = time.monotonic() - started
    timeout = args.timeout or 60 + n / 500
    intake = counter.wait_for("accepted", n, timeout, herald, started)
    delivered = counter.wait_for("delivered", n, timeout, herald, started) if intake else None
    stop_profiler(profiler, args.perf)
    cpu = cpu_seconds(herald.pid) - cpu_before
    status = proc_status(herald.pid)
    code, stop_time = herald.stop()
    counter.poll()
    counter.close()

    log(f"  renamed {n:,} files into incoming/ in {renamed:.2f} s")
    report_wait("accepted", n, intake, counter, timeout)
    report_wait("delivered", n, delivered, counter, timeout)
    results["webhook_intake"] = n / intake if intake else None
    results["webhook"] = n / delivered if delivered else None
    results["webhook_rss"] = status.get("VmHWM", 0) / 1024
    log(f"  intake:   {fmt_rate(results['webhook_intake'])} files/s (first rename -> last accepted)")
    log(f"  delivery: {fmt_rate(results['webhook'])} msgs/s (first rename -> last delivered)")
    log(f"  daemon CPU {cpu:.2f} s ({1e6 * cpu / max(1, counter.counts['delivered']):.0f} µs per message), "
        f"peak RSS {results['webhook_rss']:.1f} MB, {status.get('Threads', '?')} threads")
    log(f"  events: {counter.summary()}")
    log(f"  {stopped_line(herald, code, stop_time)}")


def webhook_backlog(workdir, args, results, cleanup, port):
    """Delivery alone: queue N for the paused channel, restart unpaused, time READY=1 -> N delivered."""
    n = args.messages
    log("  -- backlog drain: N queued while paused, then restart unpaused --")
    queued = queue_while_paused(os.path.join(workdir, "webhook-backlog"), args, cleanup, port, "")
    if queued is None:
        return
    config, counter, timeout = queued
    herald = Herald(args.herald, config, cleanup)
    launched = time.monotonic()
    herald.wait_ready(60)
    started = time.monotonic()
    profile = args.perf and args.perf + ".backlog"
    profiler = start_profiler(profile, herald.pid)
    cpu_before = cpu_seconds(herald.pid)
    delivered, cpu, status, code, stop_time = finish_delivery(herald, counter, n, timeout, started, cpu_before,
                                                              profiler, profile)
    results["webhook_backlog"] = n / delivered if delivered else None
    log(f"  READY=1 {started - launched:.2f} s after start; delivery: {fmt_rate(results['webhook_backlog'])} msgs/s "
        f"(READY=1 -> last delivered)")
    log(f"  daemon CPU {cpu:.2f} s ({1e6 * cpu / max(1, counter.counts['delivered']):.0f} µs per message), "
        f"peak RSS {status.get('VmHWM', 0) / 1024:.1f} MB")
    log(f"  events: {counter.summary()}")
    log(f"  {stopped_line(herald, code, stop_time)}")
