"""The cluster phase (issue 13): N messages to nginx through three daemons sharing one queue in PostgreSQL
(a private cluster started here), beside one daemon on SQLite with the same N, in the same run. Reports the
aggregate throughput, each side's CPU per message, PostgreSQL's own CPU per message, and peak RSS."""

import os
import sys
import time

from benchlib.config import webhook_channel, write_config
from benchlib.delivery_log import LogCounter
from benchlib.herald import Herald
from benchlib.measure import cpu_seconds, proc_status
from benchlib.peers import nginx_port
from benchlib.report import fmt_rate, log
from benchlib.spool import rename_messages, write_messages

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "IntegrationTests"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "IntegrationTests", "peers"))
from postgres_cluster import PostgresCluster  # noqa: E402

HOSTS = 3


def postgres_cpu(cluster):
    """CPU seconds of the postmaster and every backend it forked."""
    with open(cluster.data / "postmaster.pid") as f:
        master = int(f.readline())
    total = cpu_seconds(master)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                total += cpu_seconds(int(entry))
    return total


def run_hosts(workdir, args, cleanup, port, hosts, database, prefix, measure=lambda: 0.0):
    """`hosts` daemons (sharing `database` when given), N/hosts messages renamed into each spool at once; returns
    (seconds from first rename to last delivered or None, daemon CPU seconds, peak RSS MB, delivered, and
    `measure()` at the start and the end, both taken while the daemons run: a backend's CPU is gone once its
    connection closes)."""
    n = args.cluster
    daemons, counters, spools = [], [], []
    for index in range(hosts):
        directory = os.path.join(workdir, f"{prefix}{index}")
        extra = ""
        if database:
            extra = "[database]\n" + "".join(f'{k} = "{v}"\n' for k, v in database.items()) + f'host_name = "{prefix}{index}"\n'
        config = write_config(directory, [webhook_channel(port)], extra)
        herald = Herald(args.herald, config, cleanup)
        herald.wait_ready(60)
        share = n // hosts + (1 if index < n % hosts else 0)
        spool = os.path.join(directory, "spool")
        write_messages(f"{spool}/tmp", f"{prefix}{index}", 0, share, "webhook")
        daemons.append(herald)
        counters.append(LogCounter(os.path.join(directory, "log/delivery.log")))
        spools.append((spool, share))
    cpu_before = [cpu_seconds(h.pid) for h in daemons]
    measured_before = measure()
    started = time.monotonic()
    for index, (spool, share) in enumerate(spools):
        rename_messages(spool, f"{prefix}{index}", 0, share)
    deadline = started + (args.timeout or 120 + n / 200)
    delivered = None
    while time.monotonic() < deadline:
        for counter in counters:
            counter.poll()
        if sum(c.counts["delivered"] for c in counters) >= n:
            delivered = time.monotonic() - started
            break
        time.sleep(0.05)
    cpu = sum(cpu_seconds(h.pid) - before for h, before in zip(daemons, cpu_before))
    measured = measure() - measured_before
    rss = max(proc_status(h.pid).get("VmHWM", 0) for h in daemons) / 1024
    for herald in daemons:
        herald.stop()
    done = sum(c.counts["delivered"] for c in counters)
    for counter in counters:
        counter.close()
    if delivered is None:
        log(f"  {prefix}: only {done:,} of {n:,} delivered before the timeout")
    return delivered, cpu, rss, done, measured


def phase_cluster(workdir, args, results, cleanup):
    n = args.cluster
    log(f"\n== cluster: {n:,} messages -> nginx, {HOSTS} daemons on one PostgreSQL vs one on SQLite ==")
    port = nginx_port(workdir, results, cleanup)
    cluster = PostgresCluster()
    try:
        password = os.path.join(workdir, "db-password")
        with open(password, "w") as f:
            f.write(cluster.password + "\n")
        database = {"url": cluster.url, "password_file": password, "tls": "disable"}
        seconds, cpu, rss, done, pg_cpu = run_hosts(
            workdir, args, cleanup, port, HOSTS, database, "pg", measure=lambda: postgres_cpu(cluster))
    finally:
        cluster.stop()
    results["cluster"] = n / seconds if seconds else None
    log(f"  {HOSTS} hosts on PostgreSQL: {fmt_rate(results['cluster'])} msgs/s aggregate (first rename -> last delivered)")
    log(f"  herald CPU {cpu:.2f} s ({1e6 * cpu / max(1, done):.0f} µs per message, all hosts), peak RSS {rss:.1f} MB per host")
    log(f"  PostgreSQL CPU {pg_cpu:.2f} s ({1e6 * pg_cpu / max(1, done):.0f} µs per message)")
    seconds, cpu, rss, done, _ = run_hosts(workdir, args, cleanup, port, 1, None, "sqlite")
    results["cluster_sqlite"] = n / seconds if seconds else None
    log(f"  1 host on SQLite, same run: {fmt_rate(results['cluster_sqlite'])} msgs/s; "
        f"herald CPU {1e6 * cpu / max(1, done):.0f} µs per message, peak RSS {rss:.1f} MB")
