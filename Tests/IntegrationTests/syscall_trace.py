"""Reads an `strace -f -y` log into ordered system calls, so a test can check that one call finished before another
began (an fsync before an unlink). A power cut cannot be staged in a test; the order of these calls is what makes
a commit survive one.

Each call is a `Call(pid, name, args, start, end)`: `start` is the line where it began, `end` the line where it
returned (the same line unless strace split it into `<unfinished ...>` and `<... resumed>`).
"""
import re
import shutil
from dataclasses import dataclass

STRACE = shutil.which("strace")
LINE = re.compile(r"^(\d+)\s+(\w+)\((.*)$")
RESUMED = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$")
FD_PATH = re.compile(r"^(-?\d+)<([^>]*)>")


@dataclass
class Call:
    pid: int
    name: str
    args: str
    start: int
    end: int
    result: str = ""

    def fd_path(self):
        """The path strace -y printed for the first argument, when it is a descriptor."""
        match = FD_PATH.match(self.args)
        return match[2] if match else None

    @property
    def ok(self):
        return self.result.strip().startswith("= 0") or re.match(r"\s*= \d", self.result or "") is not None


def prefix(path, calls="fsync,fdatasync,unlink,unlinkat,rename,renameat,renameat2,openat,write,pwrite64"):
    """The command prefix that traces the daemon and its threads into `path`."""
    return [STRACE, "-f", "-y", "-qq", "-s", "256", "-e", f"trace={calls}", "-o", str(path)]


def parse(path):
    calls, open_by_pid = [], {}
    with open(path, errors="replace") as f:
        for number, line in enumerate(f):
            line = line.rstrip("\n")
            resumed = RESUMED.match(line)
            if resumed:
                call = open_by_pid.pop(int(resumed[1]), None)
                if call is not None:
                    call.end = number
                    call.args += resumed[3]
                    call.result = resumed[3].rsplit(")", 1)[-1]
                continue
            match = LINE.match(line)
            if not match:
                continue
            pid, name, rest = int(match[1]), match[2], match[3]
            call = Call(pid, name, rest, number, number)
            if rest.endswith("<unfinished ...>"):
                open_by_pid[pid] = call
            else:
                call.result = rest.rsplit(")", 1)[-1]
            calls.append(call)
    return calls


def syncs(calls, path_suffix):
    """Completed fsync/fdatasync calls on a descriptor whose path ends with `path_suffix`."""
    return [c for c in calls if c.name in ("fsync", "fdatasync") and (c.fd_path() or "").endswith(path_suffix)
            and c.ok]
