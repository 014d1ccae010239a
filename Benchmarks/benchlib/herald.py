"""The daemon under test: a private copy of the binary, and one `herald run` in the foreground with its own
NOTIFY_SOCKET, as under systemd. Not the delivery log, which LogCounter follows."""

import hashlib
import os
import shutil
import socket
import struct
import subprocess
import time

from benchlib.cleanup import stop_process
from benchlib.report import log
from benchlib.settings import POLL


SO_TIMESTAMP = getattr(socket, "SO_TIMESTAMP", 29)  # also the SCM_TIMESTAMP control message type on Linux


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
