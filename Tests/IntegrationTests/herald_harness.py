"""Helpers for Herald's integration tests: a daemon under test, a webhook receiver process, spool drops and polling.

Every wait here has a deadline; every process started here is stopped by the fixtures in conftest.py.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls `predicate` until it returns something truthy; fails the test with `what` (text, or a function giving
    the text at that moment) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def drop(spool, name, content):
    """Drops one message the way producers must: write SPOOL/tmp/NAME, then rename it into SPOOL/incoming/."""
    spool = Path(spool)
    if not name.endswith(".json"):
        name += ".json"
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    tmp = spool / "tmp" / name
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, spool / "incoming" / name)
    return data


def free_port():
    """A loopback TCP port free now, for a daemon's [http] listener."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(id, channel="webhook", **fields):
    """A valid message with inline content; keyword arguments override or add fields."""
    body = {
        "id": id, "channel": channel,
        "to": {"email": f"{id.lower()}@example.com", "name": "Ana", "timezone": "Asia/Kuala_Lumpur"},
        "campaign": "cart-abandon", "stage": "acquisition", "trigger": "cart_abandoned", "category": "marketing",
        "content": {"subject": f"Hello {id}", "text": "Your cart misses you."},
        "data": {"n": 1},
    }
    body.update(fields)
    return body


def webhook_channel(receiver, **extra):
    """A `webhook` channel pointing at `receiver`, signed with the shared test secret."""
    return {"name": "webhook", "plugin": "webhook", "url": receiver.url + "/hook", "secret": SECRET} | extra


def file_channel(directory, name="email"):
    """A `file` channel writing one ID.json per delivery into `directory`."""
    return {"name": name, "plugin": "file", "directory": str(directory)}


def read_json_lines(path):
    """Parses a JSON-lines file, ignoring a last line still being written."""
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    out = [json.loads(line) for line in lines[:-1] if line.strip()]
    if lines[-1].strip():
        try:
            out.append(json.loads(lines[-1]))
        except json.JSONDecodeError:
            pass
    return out


def write_json_atomically(path, value):
    """Writes `value` as JSON to `path` by way of a temporary file and rename(2), so a peer re-reading it never
    sees half a file."""
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    os.rename(tmp, path)


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(toml_value(v) for v in value) + " ]"
    raise TypeError(value)


class NotifySocket:
    """An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET (short path: sun_path is 108 bytes)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="hn-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def poll(self, timeout=0.05):
        """Collects datagrams that arrive within `timeout`; returns everything received so far."""
        self.sock.settimeout(timeout)
        try:
            while True:
                self.messages.append(self.sock.recv(4096).decode())
                self.sock.settimeout(0.001)
        except (socket.timeout, BlockingIOError):
            pass
        return self.messages

    def wait_for(self, needle, timeout, what=None):
        return wait_for(
            lambda: next((m for m in self.poll() if needle in m), None), timeout,
            what or f"{needle!r} on NOTIFY_SOCKET")

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Daemon:
    """One `herald run` under test: its config, its directories, its process, its stderr and delivery log."""

    def __init__(self, binary, root, channels, retry=None, intake=None, spool="spool", state="state",
                 log="log/delivery.log", drain_timeout="5s", policy=None, http=None, callbacks=None,
                 recipients="full"):
        self.binary = binary
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "templates").mkdir(exist_ok=True)
        self.config = self.root / "herald.toml"
        self.spool = self.root / spool
        self.state = self.root / state
        self.log = self.root / log
        self.stderr_path = self.root / "herald.stderr"
        self.proc = None
        self.notify = None
        lines = [f"spool = {toml_value(spool)}", f"state = {toml_value(state)}", 'templates = "templates"',
                 f"drain_timeout = {toml_value(drain_timeout)}", "[log]", f"delivery = {toml_value(log)}",
                 f"recipients = {toml_value(recipients)}", "[retry]"]
        retry = {"min": "200ms", "max": "2s", "max_age": "1h"} | (retry or {})
        intake = {"batch": 1000, "rescan": "30s"} | (intake or {})
        lines += [f"{k} = {toml_value(v)}" for k, v in retry.items()]
        lines += ["[intake]"] + [f"{k} = {toml_value(v)}" for k, v in intake.items()]
        for name, table in (("policy", policy), ("http", http), ("callbacks", callbacks)):
            if table:
                lines += [f"[{name}]"] + [f"{k} = {toml_value(v)}" for k, v in table.items()]
        for channel in channels:
            lines += ["[[channel]]"] + [f"{k} = {toml_value(v)}" for k, v in channel.items()]
        self.config.write_text("\n".join(lines) + "\n")

    def start(self, env=None, wait_ready=True, timeout=30, prefix=()):
        """Starts `herald run` (behind `prefix`, e.g. strace); waits for READY=1 on a private NOTIFY_SOCKET unless
        the caller passes its own."""
        environment = dict(os.environ)
        environment.pop("NOTIFY_SOCKET", None)
        environment.pop("WATCHDOG_USEC", None)
        if wait_ready and not (env and "NOTIFY_SOCKET" in env):
            self.notify = NotifySocket()
            environment["NOTIFY_SOCKET"] = self.notify.path
        environment.update(env or {})
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([*prefix, self.binary, "run", "--config", str(self.config)], stdin=subprocess.DEVNULL,
                                     stdout=self._stderr, stderr=self._stderr, env=environment)
        if wait_ready and self.notify:
            wait_for(lambda: self._check_alive() and any("READY=1" in m for m in self.notify.poll()), timeout,
                     "READY=1 from herald run")
        # Behind a prefix, signals go to herald itself, not to the tracer.
        self.herald_pid = wait_for(lambda: self._child_pid(), 10, "herald under its prefix") if prefix else None
        return self

    def _child_pid(self):
        self._check_alive()
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except FileNotFoundError:
            return None
        return int(children[0]) if children else None

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"herald exited with {self.proc.returncode}:\n{self.stderr()[-3000:]}")
        return True

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30):
        """SIGTERM (graceful drain) and wait; returns the exit code."""
        if self.alive:
            if getattr(self, "herald_pid", None):
                os.kill(self.herald_pid, signal.SIGTERM)
            else:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"herald did not exit within {timeout}s of SIGTERM")
        self._close()
        return self.proc.returncode

    def kill(self):
        """SIGKILL: a crash, as far as herald can tell."""
        if self.alive:
            self.proc.kill()
            self.proc.wait(10)
        self._close()

    def _close(self):
        if self.notify:
            self.notify.close()
            self.notify = None
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None

    def stderr(self):
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def events(self, event=None, id=None):
        """Delivery-log lines as dicts, optionally filtered by event and id."""
        return [e for e in read_json_lines(self.log)
                if (event is None or e.get("event") == event) and (id is None or e.get("id") == id)]

    def ids(self, event):
        return [e["id"] for e in self.events(event)]

    def cli(self, *args, timeout=30):
        """Runs `herald ARGS --config CONFIG` and returns the CompletedProcess."""
        return subprocess.run([self.binary, *args, "--config", str(self.config)], capture_output=True, text=True,
                              timeout=timeout)

    def queue_counts(self):
        """`herald queue` parsed into {(channel, state): count}."""
        result = self.cli("queue")
        assert result.returncode == 0, result.stderr
        counts = {}
        for line in result.stdout.splitlines():
            match = re.match(r"^(\S+)\s+(queued|deferred|parked|inflight|delivered|failed|expired|suppressed|capped|cancelled)\s+(\d+)\s", line + " ")
            if match:
                counts[(match[1], match[2])] = int(match[3])
        return counts


class Receiver:
    """The webhook receiver peer (peers/webhook_receiver.py) in its own process, with its plan and request log."""

    def __init__(self, root, plan=None, delay_ms=0, tls=None, port=0):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.plan_path = self.root / "plan.json"
        self.log_path = self.root / "requests.jsonl"
        self.set_plan(plan or {})
        self._stderr = open(self.root / "receiver.stderr", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "peers" / "webhook_receiver.py"), "--secret", SECRET, "--plan",
             str(self.plan_path), "--log", str(self.log_path), "--delay-ms", str(delay_ms)]
            + (["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else [])
            + (["--port", str(port)] if port else []),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        os.set_blocking(self.proc.stdout.fileno(), False)
        buffer = b""

        def port():
            nonlocal buffer
            if self.proc.poll() is not None:
                raise AssertionError(f"receiver exited with {self.proc.returncode}")
            buffer += self.proc.stdout.read() or b""
            return int(buffer.split(b"\n")[0]) if b"\n" in buffer else None

        self.port = wait_for(port, 15, "the receiver's port")
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def set_plan(self, plan):
        write_json_atomically(self.plan_path, plan)

    def requests(self, id=None):
        return [r for r in read_json_lines(self.log_path) if id is None or r["id"] == id]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stdout.close()
        self._stderr.close()


class SMTPPeer:
    """The SMTP peer (peers/smtp_server.py, aiosmtpd) in its own process: what it accepted, message by message."""

    def __init__(self, root, tls=None, require_tls=False, auth=None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._stderr = open(self.root / "smtp.stderr", "ab")
        command = [sys.executable, str(HERE / "peers" / "smtp_server.py"), "--dir", str(self.root), "--lifetime", "900"]
        if tls:
            command += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
        if require_tls:
            command.append("--require-tls")
        if auth:
            command += ["--auth", auth]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        self.port = _read_port(self.proc, "the SMTP peer")
        self.url = f"smtp://127.0.0.1:{self.port}"

    def received(self):
        """One dict per accepted message: envelope, tls, auth, peer address, and `raw` (the bytes as stored)."""
        records = read_json_lines(self.root / "log.jsonl")
        for record in records:
            record["raw"] = Path(record["file"]).read_bytes()
        return records

    def stop(self):
        _stop(self.proc)
        self.proc.stdout.close()
        self._stderr.close()


class SMTPSink:
    """Postfix's smtp-sink on loopback: accepts everything as fast as the wire allows, stores nothing."""

    def __init__(self, backlog=256):
        binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        if not os.access(binary, os.X_OK):
            raise AssertionError("smtp-sink not found: apt-get install postfix (make test-deps does)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # -c counts sessions and messages on stdout; -u: smtp-sink refuses to run as root without a user to become.
        self.proc = subprocess.Popen([binary, "-u", "nobody", "-c", f"127.0.0.1:{self.port}", str(backlog)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: listening(self.port), 10, f"smtp-sink on port {self.port}")
        self.url = f"smtp://127.0.0.1:{self.port}"

    def stop(self):
        _stop(self.proc)


def smtp_channel(url, **extra):
    """An `smtp` channel to a loopback peer, without TLS unless `extra` says otherwise."""
    return {"name": "email", "plugin": "smtp", "url": url, "starttls": "none",
            "from": "Kedai Contoh <news@shop.example>"} | extra


def _read_port(proc, what):
    os.set_blocking(proc.stdout.fileno(), False)
    buffer = b""

    def port():
        nonlocal buffer
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        buffer += proc.stdout.read() or b""
        return int(buffer.split(b"\n")[0]) if b"\n" in buffer else None

    return wait_for(port, 15, f"{what}'s port")


def listening(port):
    """Something accepts TCP connections on loopback `port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
