"""The herald.toml each phase runs with, and the webhook channel most of them use. Not the policy tables,
which belong to the policy phase."""

import os

from benchlib.settings import SECRET


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


def webhook_channel(port, paused=False):
    return f"""
name = "webhook"
plugin = "webhook"
url = "http://127.0.0.1:{port}/hook"
secret = "{SECRET}"
concurrency = 64
paused = {"true" if paused else "false"}
"""
