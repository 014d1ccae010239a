"""A full disk under spool, state and log: intake pauses once, loses nothing, keeps SQLite sound, and resumes."""
import errno
import json
import os
import sqlite3
import subprocess
import time

import pytest

from herald_harness import drop, file_channel, message, wait_for

COUNT = 300


@pytest.fixture
def tmpfs(tmp_path):
    """An 8 MiB tmpfs at tmp_path/disk, always unmounted afterwards (requested first, so torn down last)."""
    if os.geteuid() != 0:
        pytest.skip("the disk-full test mounts a tmpfs and needs root")
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mountpoint)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    yield mountpoint
    if subprocess.run(["umount", str(mountpoint)]).returncode != 0:
        subprocess.run(["umount", "-l", str(mountpoint)])


def fill(path):
    """Writes `path` until the file system says ENOSPC; returns the bytes written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    written, chunk = 0, 1 << 16
    try:
        while chunk:
            try:
                written += os.write(fd, b"\0" * chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                chunk //= 2
    finally:
        os.close(fd)
    return written


def test_disk_full_pauses_intake_and_loses_nothing(tmpfs, make_daemon, tmp_path):
    """With the spool/state/log disk full, files wait in incoming/; once space frees, every one is delivered."""
    outbox = tmp_path / "outbox"
    daemon = make_daemon([file_channel(outbox)], root=tmp_path / "herald", spool=str(tmpfs / "spool"),
                         state=str(tmpfs / "state"), log=str(tmpfs / "log" / "delivery.log")).start()
    drop(daemon.spool, "warmup", message("warmup", channel="email"))
    wait_for(lambda: (outbox / "warmup.json").exists(), 15, "the warm-up message delivered")

    ids = [f"full-{n:03d}" for n in range(COUNT)]
    for id in ids:  # written in tmp/ while there is room; renamed in once the disk is full
        (daemon.spool / "tmp" / f"{id}.json").write_text(json.dumps(message(id, channel="email")))
    (daemon.spool / "tmp" / "broken.json").write_bytes(b'{"id": "broken", ')
    filler = tmpfs / "filler"
    fill(filler)
    for name in [f"{id}.json" for id in ids] + ["broken.json"]:
        os.rename(daemon.spool / "tmp" / name, daemon.spool / "incoming" / name)

    def accounted():
        """Every message is still in incoming/ or already delivered: none lost, none deleted unread."""
        waiting = {p.name[:-5] for p in (daemon.spool / "incoming").glob("*.json")}
        sent = {p.name[:-5] for p in outbox.glob("*.json")}
        missing = [id for id in ids if id not in waiting and id not in sent]
        assert not missing, f"{len(missing)} messages neither in incoming/ nor delivered, e.g. {missing[:5]}"
        assert "broken" in waiting or (daemon.spool / "rejected" / "broken.json").exists(), "broken.json vanished"
        return waiting

    wait_for(lambda: "intake paused" in daemon.stderr(), 20, "'intake paused' on stderr")
    deadline = time.monotonic() + 5  # stay full across several retries (intake retries every 2 s)
    while time.monotonic() < deadline:
        accounted()
        assert daemon.alive, f"herald died on a full disk:\n{daemon.stderr()[-2000:]}"
        time.sleep(0.25)
    assert daemon.stderr().count("intake paused") == 1

    os.unlink(filler)
    wait_for(lambda: all((outbox / f"{id}.json").exists() for id in ids), 60,
             lambda: f"every message delivered after space freed; {len(accounted())} still in incoming/")
    wait_for(lambda: "intake resumed" in daemon.stderr(), 10, "'intake resumed' on stderr")
    wait_for(lambda: len(daemon.events("delivered")) == COUNT + 1, 15, "a delivered line for every message")
    assert daemon.stderr().count("intake paused") == 1
    assert daemon.stop() == 0
    assert not list((daemon.spool / "incoming").glob("*.json"))
    assert sorted(daemon.ids("delivered")) == sorted(ids + ["warmup"])
    rejected = daemon.spool / "rejected"
    assert (rejected / "broken.json").read_bytes() == b'{"id": "broken", '
    assert json.loads((rejected / "broken.error.json").read_text())["error"] == "invalid_json"

    db = sqlite3.connect(daemon.state / "queue.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        states = dict(db.execute("SELECT state, COUNT(*) FROM message GROUP BY state").fetchall())
    finally:
        db.close()
    assert states == {"delivered": COUNT + 1}
