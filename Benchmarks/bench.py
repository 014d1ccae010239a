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

The daemon runs as under systemd/herald.service as far as a benchmark can tell: with its own NOTIFY_SOCKET
(READY=1, STATUS=, STOPPING=1 are checked) and WATCHDOG_USEC=30 s (the longest gap between pings is reported).
Every wait is bounded: on a timeout a phase reports how far it got and the run goes on.
"""

import argparse
import collections
import hashlib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

TARGET_WEBHOOK = 15_000  # msgs/s
TARGET_INTAKE = 20_000  # files/s
TARGET_QUEUE_RSS_MB = 64
TARGET_SMTP = 6_000  # msgs/s
PEER_SMTP_DOC = 12_800  # msgs/s, smtp-source -> smtp-sink with connection reuse (BENCHMARKS.md)
PEER_FS_C = 25_300  # files/s, rename + read + unlink, C loop on ext4 (BENCHMARKS.md)
PEER_WRK_DOC = 66_700  # req/s, wrk -> nginx (BENCHMARKS.md)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
POLL = 0.01  # seconds between looks at the delivery log
SO_TIMESTAMP = getattr(socket, "SO_TIMESTAMP", 29)  # also the SCM_TIMESTAMP control message type on Linux


# ---------------------------------------------------------------- small helpers


def log(text):
    print(text, flush=True)


def fmt_rate(value):
    return "-" if value is None else f"{value:,.0f}"


class Stopped(Exception):
    """SIGTERM/SIGINT: unwind so every process and temp dir is cleaned up."""


def on_signal(signum, _frame):
    raise Stopped(f"signal {signum}")


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def proc_status(pid):
    """VmHWM, VmRSS (kB) and Threads from /proc/PID/status."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS", "Threads"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def directory_size(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- processes and cleanup


class Cleanup:
    """Processes and directories to remove, newest first, whatever happens."""

    def __init__(self):
        self.procs = []
        self.dirs = []

    def process(self, proc, name):
        self.procs.append((proc, name))
        return proc

    def directory(self, path):
        self.dirs.append(path)
        return path

    def run(self, keep):
        for proc, name in reversed(self.procs):
            stop_process(proc, name, timeout=15)
        for path in reversed(self.dirs):
            if keep:
                log(f"kept {path}")
            else:
                shutil.rmtree(path, ignore_errors=True)


def stop_process(proc, name, timeout):
    """SIGTERM, then SIGKILL after `timeout`; returns the exit code (None if it had to be killed)."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log(f"  {name} (pid {proc.pid}) ignored SIGTERM for {timeout}s; killing it")
        proc.kill()
        proc.wait(5)
        return None


# ---------------------------------------------------------------- nginx and wrk


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 204; }}
    }}
}}
"""


def start_nginx(workdir, cleanup):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        raise RuntimeError("nginx not found: apt-get install nginx-light")
    directory = os.path.join(workdir, "nginx")
    os.makedirs(directory)
    port = free_port()
    conf = os.path.join(directory, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=directory, port=port))
    # -e: the startup error log too, so nothing under /var/log/nginx is touched.
    cmd = [nginx, "-e", os.path.join(directory, "error.log"), "-p", directory, "-c", conf]
    proc = cleanup.process(subprocess.Popen(cmd, stdin=subprocess.DEVNULL), "nginx")
    if not wait_for_port(port, 10):
        raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within 10 s (see {directory}/error.log)")
    return proc, port


def run_wrk(workdir, port):
    """wrk -t1 -c32 -d5s with a 600-byte POST body; requests/s, or None without wrk."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    script = os.path.join(workdir, "post.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = string.rep("x", 600)\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    try:
        out = subprocess.run([wrk, "-t1", "-c32", "-d5s", "-s", script, f"http://127.0.0.1:{port}/hook"],
                             capture_output=True, text=True, timeout=30).stdout
    except subprocess.TimeoutExpired:
        return None
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else None


# ---------------------------------------------------------------- spool files


MESSAGE = ('{"id":"%s-%d","channel":"%s","to":{"email":"a%d@example.com"},"campaign":"bench",'
           '"stage":"conversion","content":{"title":"Hi","body":"Your cart is waiting"}}\n')


def write_messages(tmp_dir, prefix, start, count, channel):
    """Writes message files tmp/PREFIX-i (not yet visible to Herald)."""
    for i in range(start, start + count):
        fd = os.open(f"{tmp_dir}/{prefix}-{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        os.write(fd, (MESSAGE % (prefix, i, channel, i)).encode())
        os.close(fd)


def rename_messages(spool, prefix, start, count):
    """rename(2)s tmp/PREFIX-i to incoming/PREFIX-i.json, the producer's side of the spool contract."""
    tmp, incoming = f"{spool}/tmp", f"{spool}/incoming"
    for i in range(start, start + count):
        os.rename(f"{tmp}/{prefix}-{i}", f"{incoming}/{prefix}-{i}.json")


def filesystem_rate(workdir, count):
    """The consume side of a spool in Python: rename + read + unlink per file; files/s."""
    src, dst = os.path.join(workdir, "fs-src"), os.path.join(workdir, "fs-dst")
    os.makedirs(src)
    os.makedirs(dst)
    write_messages(src, "fs", 0, count, "webhook")
    started = time.monotonic()
    for i in range(count):
        target = f"{dst}/fs-{i}.json"
        os.rename(f"{src}/fs-{i}", target)
        with open(target, "rb") as f:
            f.read()
        os.unlink(target)
    elapsed = time.monotonic() - started
    shutil.rmtree(src)
    shutil.rmtree(dst)
    return count / elapsed


# ---------------------------------------------------------------- the daemon


def write_config(directory, channels, extra=""):
    """herald.toml for one phase; `channels` is a list of TOML [[channel]] bodies; `extra` more tables."""
    text = """\
spool = "spool"
state = "state"
templates = "templates"
drain_timeout = "5s"
[log]
delivery = "log/delivery.log"
[retry]
min = "30s"
max = "1h"
max_age = "24h"
[intake]
batch = 1000
rescan = "30s"
max_size = 1048576
"""
    text += extra
    for body in channels:
        text += "[[channel]]\n" + body.strip() + "\n"
    os.makedirs(os.path.join(directory, "templates"), exist_ok=True)
    path = os.path.join(directory, "herald.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


class Herald:
    """One `herald run` in the foreground, with its own NOTIFY_SOCKET so READY=1, STATUS= and the WATCHDOG=1
    pings are seen. WATCHDOG_USEC is set as under WatchdogSec=30s in systemd/herald.service."""

    def __init__(self, binary, config, cleanup, watchdog_usec=30_000_000):
        self.directory = os.path.dirname(config)
        self.notify_path = os.path.join(self.directory, "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if os.path.exists(self.notify_path):
            os.unlink(self.notify_path)
        self.notify.bind(self.notify_path)
        self.notify.setblocking(False)
        # Kernel arrival times, so pings that wait in the socket while the bench is busy keep their real time.
        self.notify.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
        self.pings = []
        self.status = None
        self.stopping = False
        self.stderr_path = os.path.join(self.directory, "herald.stderr")
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path)
        env.pop("WATCHDOG_USEC", None)
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        with open(self.stderr_path, "ab") as err:
            self.proc = cleanup.process(
                subprocess.Popen([binary, "run", "--config", config], stdin=subprocess.DEVNULL,
                                 stdout=err, stderr=err, env=env), "herald")
        self.pid = self.proc.pid

    def messages(self):
        """Drains the notify socket; returns the datagrams received."""
        received = []
        while True:
            try:
                raw, ancillary, _, _ = self.notify.recvmsg(4096, socket.CMSG_SPACE(16))
            except BlockingIOError:
                return received
            data = raw.decode(errors="replace")
            received.append(data)
            stamp = time.time()
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP and len(payload) >= 16:
                    seconds, micros = struct.unpack("qq", payload[:16])
                    stamp = seconds + micros / 1e6
            for line in data.splitlines():
                self.stopping |= line == "STOPPING=1"
                if line == "WATCHDOG=1":
                    self.pings.append(stamp)
                if line.startswith("STATUS="):
                    self.status = line[7:]

    def wait_ready(self, timeout):
        """Seconds until READY=1, or raises if it exits or the timeout passes."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if any("READY=1" in m for m in self.messages()):
                return time.monotonic() - started
            self.check_alive()
            time.sleep(POLL)
        raise RuntimeError(f"herald sent no READY=1 within {timeout} s; stderr:\n{self.stderr_tail()}")

    def watchdog_summary(self):
        """How regular the WATCHDOG=1 pings were: systemd kills the daemon after a 30 s gap."""
        if len(self.pings) < 2:
            return f"{len(self.pings)} WATCHDOG=1 pings"
        gap = max(b - a for a, b in zip(self.pings, self.pings[1:]))
        return f"{len(self.pings)} WATCHDOG=1 pings, longest gap {gap:.1f} s (expected 15, limit 30)"

    def check_alive(self):
        if self.proc.poll() is not None:
            hint = " (exit 0 is a graceful stop: something sent it SIGTERM/SIGINT)" if self.proc.returncode == 0 else ""
            raise RuntimeError(f"herald exited unexpectedly with {self.proc.returncode}{hint}; stderr:\n"
                               f"{self.stderr_tail()}")

    def stderr_tail(self, lines=15):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        """SIGTERM and wait; returns (exit code, seconds to exit). Sets .stopping if STOPPING=1 arrived."""
        self.messages()
        started = time.monotonic()
        code = stop_process(self.proc, "herald", timeout=30)
        self.messages()
        self.notify.close()
        return code, time.monotonic() - started


class LogCounter:
    """Follows the delivery log as it grows and counts lines per "event"."""

    EVENT = re.compile(rb'"event":"([a-z_]+)"')

    def __init__(self, path):
        self.path = path
        self.file = None
        self.rest = b""
        self.counts = collections.Counter()

    def poll(self):
        """Reads what was appended since the last call; returns True if anything was."""
        if self.file is None:
            try:
                self.file = open(self.path, "rb")
            except FileNotFoundError:
                return False
        data = self.file.read(8 << 20)
        if not data:
            return False
        data = self.rest + data
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        self.counts.update(m.decode() for m in self.EVENT.findall(data, 0, cut))
        return True

    def wait_for(self, event, count, timeout, herald, started):
        """Polls until `count` lines of `event`; returns seconds since `started`, or None on timeout."""
        deadline = time.monotonic() + timeout
        while self.counts[event] < count:
            if time.monotonic() > deadline:
                return None
            herald.messages()
            if not self.poll():
                herald.check_alive()
                time.sleep(POLL)
        return time.monotonic() - started

    def close(self):
        if self.file:
            self.file.close()

    def summary(self):
        return ", ".join(f"{k} {v:,}" for k, v in sorted(self.counts.items())) or "no lines"


# ---------------------------------------------------------------- phases


def phase_peers(workdir, args, results, cleanup):
    log("\n== peers ==")
    count = min(max(args.messages, 5_000), 20_000)
    rate = filesystem_rate(workdir, count)
    results["fs_rate"] = rate
    log(f"  filesystem rename+read+unlink (Python, {count:,} files): {fmt_rate(rate)} files/s")
    if args.only in (None, "webhook"):
        nginx, port = start_nginx(workdir, cleanup)
        results["nginx"] = (nginx, port)
        wrk = run_wrk(workdir, port)
        results["wrk"] = wrk
        if wrk is None:
            log("  wrk -> nginx: skipped (wrk not installed, or it failed)")
        else:
            log(f"  wrk -t1 -c32 -d5s, 600-byte POST -> nginx return 204: {fmt_rate(wrk)} req/s")


EMAIL_MESSAGE = ('{"id":"%s-%d","channel":"%s","to":{"email":"a%d@example.com","name":"Ana"},"campaign":"bench",'
                 '"stage":"conversion","content":{"subject":"Your cart is waiting",'
                 '"text":"Hi Ana, the serum you picked is still in your cart.",'
                 '"html":"<p>Hi Ana, the <b>serum</b> you picked is still in your cart.</p>"}}\n')


def start_smtp_sink(cleanup):
    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if not os.access(binary, os.X_OK):
        raise RuntimeError("smtp-sink not found: apt-get install postfix")
    port = free_port()
    proc = cleanup.process(subprocess.Popen([binary, "-u", "nobody", "-c", f"127.0.0.1:{port}", "1024"],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL), "smtp-sink")
    if not wait_for_port(port, 10):
        raise RuntimeError("smtp-sink did not listen")
    return proc, port


def run_smtp_source(port, count):
    """The SMTP wire limit here: smtp-source with 32 sessions and connection reuse (-d), msgs/s."""
    binary = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    if not os.access(binary, os.X_OK):
        return None
    started = time.monotonic()
    result = subprocess.run([binary, "-d", "-s", "32", "-m", str(count), "-l", "600", f"127.0.0.1:{port}"],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    return count / (time.monotonic() - started) if result.returncode == 0 else None


def phase_smtp(workdir, args, results, cleanup):
    """N emails (text + HTML, MIME-built, optionally DKIM-signed) to Postfix's smtp-sink, end to end."""
    n = args.messages
    log(f"\n== smtp: {n:,} messages -> smtp-sink, concurrency 32 ==")
    _, port = start_smtp_sink(cleanup)
    wire = run_smtp_source(port, n)
    results["smtp_source"] = wire
    log(f"  peer: smtp-source -d -s 32 -> smtp-sink: {fmt_rate(wire)} msgs/s")
    for label, dkim in (("no DKIM", None), ("DKIM ed25519", "ed25519")):
        directory = os.path.join(workdir, f"smtp-{dkim or 'plain'}")
        os.makedirs(directory)
        extra = ""
        if dkim:
            key = os.path.join(directory, "dkim.pem")
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ed25519
            with open(key, "wb") as f:
                f.write(ed25519.Ed25519PrivateKey.generate().private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            extra = f'dkim = {{ domain = "shop.example", selector = "s1", key_file = "{key}" }}\n'
        channel = (f'name = "email"\nplugin = "smtp"\nurl = "smtp://127.0.0.1:{port}"\nstarttls = "none"\n'
                   f'from = "Shop <news@shop.example>"\n{extra}'
                   + os.environ.get("BENCH_SMTP_KEYS", "concurrency = 32").replace(";", "\n") + "\n")
        config = write_config(directory, [channel])
        herald = Herald(args.herald, config, cleanup)
        herald.wait_ready(30)
        spool = os.path.join(directory, "spool")
        for i in range(n):
            with open(f"{spool}/tmp/m-{i}", "w") as f:
                f.write(EMAIL_MESSAGE % ("m", i, "email", i))
        counter = LogCounter(os.path.join(directory, "log/delivery.log"))
        profiler = start_profiler(args.perf and dkim is None and args.perf + ".smtp", herald.pid)
        cpu_before = cpu_seconds(herald.pid)
        started = time.monotonic()
        rename_messages(spool, "m", 0, n)
        timeout = args.timeout or 60 + n / 200
        delivered = counter.wait_for("delivered", n, timeout, herald, started)
        stop_profiler(profiler, args.perf and args.perf + ".smtp")
        cpu = cpu_seconds(herald.pid) - cpu_before
        status = proc_status(herald.pid)
        code, stop_time = herald.stop()
        counter.poll()
        counter.close()
        report_wait("delivered", n, delivered, counter, timeout)
        key = "smtp" if dkim is None else "smtp_dkim"
        results[key] = n / delivered if delivered else None
        results[key + "_rss"] = status.get("VmHWM", 0) / 1024
        log(f"  {label}: {fmt_rate(results[key])} msgs/s (first rename -> last delivered), daemon CPU {cpu:.2f} s "
            f"({1e6 * cpu / max(1, counter.counts['delivered']):.0f} µs per message), "
            f"peak RSS {results[key + '_rss']:.1f} MB")
        log(f"  events: {counter.summary()}")
        log(f"  {stopped_line(herald, code, stop_time)}")


def webhook_channel(port, paused=False):
    return f"""
name = "webhook"
plugin = "webhook"
url = "http://127.0.0.1:{port}/hook"
secret = "{SECRET}"
concurrency = 64
paused = {"true" if paused else "false"}
"""


def policy_tables():
    """Quiet hours that are not now (so every message is checked and passes), a cap nobody reaches."""
    hour = (time.gmtime().tm_hour + 3) % 24
    return (f'[policy]\nquiet_hours = {{ start = "{hour:02d}:00", end = "{(hour + 2) % 24:02d}:00" }}\n'
            'frequency_cap = [ { max = 1000, per = "1d" } ]\n')


def queue_while_paused(directory, args, cleanup, port, extra, suppressions=0):
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
    write_messages(f"{spool}/tmp", "b", 0, n, "webhook")
    started = time.monotonic()
    rename_messages(spool, "b", 0, n)
    accepted = counter.wait_for("accepted", n, timeout, herald, started)
    herald.stop()
    if accepted is None:
        report_wait("accepted", n, None, counter, timeout)
        return None
    write_config(directory, [webhook_channel(port, paused=False)], extra)  # channel changes apply at restart
    return config, counter, timeout


def drain_rate(workdir, args, cleanup, port, name, extra, suppressions, cpu=None, profile=None):
    """Delivery alone, in msgs/s: N queued while paused, then READY=1 -> N delivered after an unpaused restart.
    With a `cpu` list, appends the daemon's CPU time per delivered message (µs) for the same span; with a
    `profile` path, `perf record`s the drain there."""
    queued = queue_while_paused(os.path.join(workdir, name), args, cleanup, port, extra, suppressions)
    if queued is None:
        return None
    config, counter, timeout = queued
    herald = Herald(args.herald, config, cleanup)
    herald.wait_ready(60)
    # perf -p follows only the threads alive when it attaches, so it starts after READY=1; the drain it
    # misses meanwhile only shortens the profile.
    profiler = start_profiler(profile, herald.pid)
    started, cpu_start = time.monotonic(), cpu_seconds(herald.pid)
    delivered = counter.wait_for("delivered", args.messages, timeout, herald, started)
    cpu_used = cpu_seconds(herald.pid) - cpu_start
    stop_profiler(profiler, profile)
    herald.stop()
    counter.poll()
    counter.close()
    if cpu is not None and delivered:
        cpu.append(cpu_used * 1e6 / args.messages)
    return args.messages / delivered if delivered else None


def phase_policy(workdir, args, results, cleanup):
    """The sending policy's cost: the webhook backlog drain with and without quiet hours, a frequency cap and
    100,000 suppressed addresses, alternated three times so drift on the machine hits both alike; the median of
    each (single runs here vary by ±15%)."""
    log(f"\n== policy: {args.messages:,} messages, backlog drain, without and with the policy ==")
    if "nginx" not in results:
        results["nginx"] = start_nginx(workdir, cleanup)
    _, port = results["nginx"]
    runs = {"off": [], "on": []}
    cpu = {"off": [], "on": []}
    for round_ in range(3):
        for variant in ("off", "on"):
            on = variant == "on"
            rate = drain_rate(workdir, args, cleanup, port, f"policy-{variant}-{round_}",
                              policy_tables() if on else "", 100_000 if on else 0, cpu[variant],
                              args.perf and round_ == 0 and f"{args.perf}.policy-{variant}")
            runs[variant].append(rate or 0)
            spent = f", {cpu[variant][-1]:.0f} µs CPU/msg" if len(cpu[variant]) > round_ else ""
            log(f"  policy {variant} (round {round_ + 1}): {fmt_rate(rate)} msgs/s{spent}")
    results["policy_off"], results["policy_on"] = sorted(runs["off"])[1], sorted(runs["on"])[1]
    if len(cpu["off"]) == 3 and len(cpu["on"]) == 3:
        results["policy_cpu_off"], results["policy_cpu_on"] = sorted(cpu["off"])[1], sorted(cpu["on"])[1]


def start_profiler(output, pid):
    """`perf record` on the daemon alone for the timed part of a phase (--perf FILE); None without --perf."""
    if not output:
        return None
    cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "2000", "-g", "-p", str(pid), "-o", output]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    time.sleep(0.5)  # perf needs a moment to attach before the load starts
    return proc


def stop_profiler(proc, output):
    if proc is None:
        return
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    log(f"  profile written to {output} (perf report -i {output} --no-children)")


def stopped_line(herald, code, stop_time):
    seen = "seen" if herald.stopping else "NOT seen"
    return (f"stopped with exit {code} in {stop_time:.2f} s (STOPPING=1 {seen}); last STATUS={herald.status!r}; "
            f"{herald.watchdog_summary()}")


def phase_webhook(workdir, args, results, cleanup):
    n = args.messages
    log(f"\n== webhook: {n:,} messages -> nginx (return 204), concurrency 64 ==")
    if "nginx" not in results:
        results["nginx"] = start_nginx(workdir, cleanup)
    _, port = results["nginx"]
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
    cpu_before = cpu_seconds(herald.pid)
    delivered = counter.wait_for("delivered", n, timeout, herald, started)
    cpu = cpu_seconds(herald.pid) - cpu_before
    status = proc_status(herald.pid)
    code, stop_time = herald.stop()
    counter.poll()
    counter.close()
    report_wait("delivered", n, delivered, counter, timeout)
    results["webhook_backlog"] = n / delivered if delivered else None
    log(f"  READY=1 {started - launched:.2f} s after start; delivery: {fmt_rate(results['webhook_backlog'])} msgs/s "
        f"(READY=1 -> last delivered)")
    log(f"  daemon CPU {cpu:.2f} s ({1e6 * cpu / max(1, counter.counts['delivered']):.0f} µs per message), "
        f"peak RSS {status.get('VmHWM', 0) / 1024:.1f} MB")
    log(f"  events: {counter.summary()}")
    log(f"  {stopped_line(herald, code, stop_time)}")


def report_wait(event, n, elapsed, counter, timeout):
    if elapsed is None:
        log(f"  TIMEOUT after {timeout:.0f} s waiting for {n:,} '{event}' lines: reached {counter.counts[event]:,}")


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


# ---------------------------------------------------------------- summary


def summary(results):
    def row(what, measured, target, verdict=""):
        log(f"  {what:<44} {measured:>14} {target:>26}  {verdict}")

    def check(value, ok):
        return "" if value is None else ("ok" if ok(value) else "MISSED")

    log("\n== summary ==")
    row("what", "measured", "target / reference")
    fs, wrk = results.get("fs_rate"), results.get("wrk")
    if "webhook" in results or "webhook_intake" in results:
        rate = results.get("webhook")
        note = f"{100 * rate / wrk:.0f}% of wrk" if rate and wrk else ""
        row("webhook delivery (msgs/s)", fmt_rate(rate), f">= {TARGET_WEBHOOK:,}",
            check(rate, lambda v: v >= TARGET_WEBHOOK) + ("  " + note if note else ""))
        row("webhook intake (files/s)", fmt_rate(results.get("webhook_intake")), "")
        row("webhook backlog drain, delivery only (msgs/s)", fmt_rate(results.get("webhook_backlog")), "")
        row("webhook peak RSS (MB)", f"{results.get('webhook_rss', 0):.1f}", "")
    if "smtp" in results:
        rate, wire = results.get("smtp"), results.get("smtp_source")
        note = f"{100 * rate / wire:.0f}% of smtp-source" if rate and wire else ""
        row("smtp delivery to smtp-sink (msgs/s)", fmt_rate(rate), f">= {TARGET_SMTP:,}",
            check(rate, lambda v: v >= TARGET_SMTP) + ("  " + note if note else ""))
        row("smtp delivery, DKIM ed25519 (msgs/s)", fmt_rate(results.get("smtp_dkim")), "")
        row("smtp peak RSS (MB)", f"{results.get('smtp_rss', 0):.1f}", "")
        row("peer: smtp-source -> smtp-sink (msgs/s)", fmt_rate(wire), f"doc: {PEER_SMTP_DOC:,}")
    if "policy_on" in results:
        off, on = results["policy_off"], results["policy_on"]
        cost = f"{100 * (off - on) / off:.0f}% slower" if off else ""
        row("delivery, no policy (msgs/s, median of 3)", fmt_rate(off), "")
        row("delivery, quiet hours + cap + 100k suppressed", fmt_rate(on), "within 10%",
            check(on, lambda v: off and v >= 0.9 * off) + ("  " + cost if cost else ""))
        if "policy_cpu_on" in results:
            cpu_off, cpu_on = results["policy_cpu_off"], results["policy_cpu_on"]
            row("daemon CPU per message, no policy (µs)", f"{cpu_off:.0f}", "")
            row("daemon CPU per message, with the policy (µs)", f"{cpu_on:.0f}", "",
                f"{100 * (cpu_on - cpu_off) / cpu_off:+.0f}%" if cpu_off else "")
    if "intake" in results:
        rate = results.get("intake")
        note = f"{100 * rate / fs:.0f}% of Python fs" if rate and fs else ""
        row("queue intake (files/s)", fmt_rate(rate), f">= {TARGET_INTAKE:,}",
            check(rate, lambda v: v >= TARGET_INTAKE) + ("  " + note if note else ""))
        rss = results.get("queue_rss")
        row("queue peak RSS (MB)", f"{rss:.1f}" if rss else "-", f"<= {TARGET_QUEUE_RSS_MB}",
            check(rss, lambda v: v <= TARGET_QUEUE_RSS_MB))
        idle = results.get("idle_cpu")
        row(f"idle CPU (CPU s in {results['idle_seconds']:.0f} s)", f"{idle:.2f}" if idle is not None else "-",
            "~0", check(idle, lambda v: v <= 0.01 * results["idle_seconds"]))
        if results.get("restart") is not None:
            row("restart with full queue to READY=1 (s)", f"{results['restart']:.2f}", "")
    row("peer: wrk -> nginx (req/s)", fmt_rate(wrk), f"doc: {PEER_WRK_DOC:,}")
    row("peer: rename+read+unlink, Python (files/s)", fmt_rate(fs), f"doc (C): {PEER_FS_C:,}")


# ---------------------------------------------------------------- main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000, help="webhook phase size (default 20,000)")
    parser.add_argument("--queue", type=int, default=1_000_000, help="queue phase size (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=100_000, help="files per rename batch in the queue phase")
    parser.add_argument("--only", choices=["webhook", "smtp", "policy", "queue"], help="run one phase (plus the peers)")
    parser.add_argument("--idle", type=float, default=10, help="seconds of idle CPU measurement (default 10)")
    parser.add_argument("--timeout", type=float, help="override every per-wait timeout, in seconds")
    parser.add_argument("--perf", metavar="FILE", help="perf record the daemon during the end-to-end webhook run (FILE), the smtp run (FILE.smtp) and "
                             "the first policy drains (FILE.policy-off, FILE.policy-on)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, configs) for inspection")
    parser.add_argument("--herald", default=os.environ.get("HERALD_BIN"), help="the binary (default $HERALD_BIN)")
    args = parser.parse_args()
    if not args.herald or not os.access(args.herald, os.X_OK):
        parser.error("set HERALD_BIN (or --herald) to an executable herald, e.g. $PWD/.build/release/herald")
    args.herald = os.path.abspath(args.herald)
    return args


def snapshot_binary(path, workdir):
    """Runs a private copy, so a rebuild during the run cannot swap binaries between phases."""
    copy = os.path.join(workdir, "bin", "herald")
    os.makedirs(os.path.dirname(copy))
    shutil.copy2(path, copy)
    with open(copy, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.stat(path).st_mtime))
    log(f"herald {path} (built {built}, sha256 {digest})")
    return copy


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
        for name, phase in (("webhook", phase_webhook), ("smtp", phase_smtp), ("policy", phase_policy),
                            ("queue", phase_queue)):
            if args.only in (None, name):
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
