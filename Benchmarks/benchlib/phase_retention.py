"""The retention phase: N messages (default 1,000,000) delivered to nginx with a short `dedup_window`, the size of
queue.sqlite (plus -wal) read every 100,000 deliveries. Once the first window has passed, the prune deletes about
as many finished rows as are delivered, so the file stops growing: the last five readings must stay within 10% of
each other. The feed is paced (--retention-rate, default 1,000 msgs/s, under what a loaded 2-core machine
delivers): the window then holds the same number of rows throughout, and the readings show the bound rather
than the machine's load. Not a throughput figure."""

import os
import time

from benchlib.config import webhook_channel, write_config
from benchlib.delivery_log import LogCounter
from benchlib.herald import Herald
from benchlib.peers import nginx_port
from benchlib.report import log
from benchlib.spool import rename_messages, write_messages

WINDOW_SECONDS = 30
READING_EVERY = 100_000
# Small chunks and a small backlog: pending rows keep their bodies, so a backlog that swings by tens of thousands
# would swing the file by megabytes and hide what the check is about (the finished rows the window keeps).
CHUNK = 1_000  # files written and renamed at a time
BACKLOG = 6_000  # at most this many fed and not yet delivered before the next chunk
SPREAD = 0.10  # the last five readings within 10% of each other


def queue_size(state):
    """Bytes of queue.sqlite and its WAL."""
    total = 0
    for name in ("queue.sqlite", "queue.sqlite-wal"):
        try:
            total += os.stat(os.path.join(state, name)).st_size
        except FileNotFoundError:
            pass
    return total


def verdict(readings, first_window_over):
    """(ok, spread, text) for the last five readings taken after the first window passed."""
    late = [size for at, size in readings if at >= first_window_over][-5:]
    if len(late) < 5:
        return None, None, f"only {len(late)} readings after the first window; need 5"
    spread = (max(late) - min(late)) / max(late)
    return spread <= SPREAD, spread, f"last five {', '.join(f'{s / 2**20:.1f}' for s in late)} MB: spread {100 * spread:.1f}%"


def phase_retention(workdir, args, results, cleanup):
    n, rate = args.retention, args.retention_rate
    log(f"\n== retention: {n:,} messages delivered with dedup_window = \"{WINDOW_SECONDS}s\", queue.sqlite every "
        f"{READING_EVERY:,}, fed at {rate:,} msgs/s ==")
    port = nginx_port(workdir, results, cleanup)
    directory = os.path.join(workdir, "retention")
    config = write_config(directory, [webhook_channel(port)], extra="")
    with open(config) as f:
        text = f.read()
    with open(config, "w") as f:
        f.write(f'dedup_window = "{WINDOW_SECONDS}s"\n' + text)
    herald = Herald(args.herald, config, cleanup)
    herald.wait_ready(30)
    spool, state = os.path.join(directory, "spool"), os.path.join(directory, "state")
    counter = LogCounter(os.path.join(directory, "log/delivery.log"))
    deadline = time.monotonic() + (args.timeout or 600 + 2 * n / rate)
    started = time.monotonic()
    fed, next_reading, readings = 0, READING_EVERY, []
    while counter.counts["delivered"] < n and time.monotonic() < deadline:
        due = rate * (time.monotonic() - started)
        if fed < n and fed < due and fed - counter.counts["delivered"] < BACKLOG:
            count = min(CHUNK, n - fed)
            write_messages(f"{spool}/tmp", "r", fed, count, "webhook")
            rename_messages(spool, "r", fed, count)
            fed += count
        herald.messages()
        if not counter.poll():
            herald.check_alive()
            time.sleep(0.05)
        while counter.counts["delivered"] >= next_reading:
            at, size = time.monotonic() - started, queue_size(state)
            readings.append((at, size))
            log(f"  {next_reading:>9,} delivered after {at:6.1f} s: queue.sqlite + wal {size / 2**20:7.1f} MB")
            next_reading += READING_EVERY
    delivered = counter.counts["delivered"]
    elapsed = time.monotonic() - started
    if delivered < n:
        log(f"  TIMEOUT: {delivered:,} of {n:,} delivered")
    # The prune keeps rows younger than the window (plus one pass interval of slack): readings before
    # that point still include rows nothing was allowed to delete yet.
    first_window_over = WINDOW_SECONDS + 2
    ok, spread, text = verdict(readings, first_window_over)
    results["retention"] = {"ok": ok, "spread": spread, "readings": readings, "rate": delivered / elapsed}
    log(f"  {delivered:,} delivered in {elapsed:.0f} s ({delivered / elapsed:,.0f} msgs/s); {text}: "
        f"{'ok' if ok else 'MISSED' if ok is not None else 'no verdict'} (limit {100 * SPREAD:.0f}%)")
    counter.poll()
    log(f"  events: {counter.summary()}")
    herald.stop()
    counter.close()
