"""What the bench reads about a process and the machine: /proc status and CPU time, the load average, the
size of a directory. Reads only; nothing here waits or judges."""

import os


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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
