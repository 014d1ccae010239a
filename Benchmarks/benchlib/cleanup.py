"""Everything the bench starts is stopped and every temp dir removed, newest first, even on a signal.
Not where processes are started: each peer and the daemon wrapper register theirs here."""

import shutil
import signal
import subprocess

from benchlib.report import log


class Stopped(Exception):
    """SIGTERM/SIGINT: unwind so every process and temp dir is cleaned up."""


def on_signal(signum, _frame):
    raise Stopped(f"signal {signum}")


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
