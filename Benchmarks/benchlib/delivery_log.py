"""Progress as the daemon reports it: lines per event in the delivery log, followed as the file grows.
The only way a phase knows how far Herald got."""

import collections
import re
import time

from benchlib.settings import POLL


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
