"""systemd integration: READY=1 after the first scan, STATUS=, WATCHDOG=1, STOPPING=1 on SIGTERM, exit codes."""
import signal

from herald_harness import NotifySocket, drop, file_channel, message, wait_for


def test_notify_ready_watchdog_stopping(make_daemon, tmp_path):
    """READY=1 (with STATUS=) follows the intake of files already waiting; WATCHDOG=1 pings; SIGTERM: STOPPING=1, 0."""
    notify = NotifySocket()
    try:
        daemon = make_daemon([file_channel(tmp_path / "outbox")])
        daemon.spool.joinpath("incoming").mkdir(parents=True)
        daemon.spool.joinpath("tmp").mkdir()
        ids = sorted(f"early-{n:02d}" for n in range(20))
        for id in ids:
            drop(daemon.spool, id, message(id, channel="email"))
        daemon.start(env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"})

        ready = notify.wait_for("READY=1", 30)
        assert "STATUS=" in ready
        # READY=1 means the first scan is done: what was waiting in incoming/ is in the queue now.
        assert sorted(daemon.ids("accepted")) == ids
        assert not list((daemon.spool / "incoming").glob("*.json"))

        wait_for(lambda: sum("WATCHDOG=1" in m for m in notify.poll()) >= 2, 5, "two WATCHDOG=1 pings within 5s")
        daemon.proc.send_signal(signal.SIGTERM)
        notify.wait_for("STOPPING=1", 15)
        assert daemon.proc.wait(30) == 0
        assert sorted(daemon.ids("delivered")) == ids
    finally:
        notify.close()


def test_bad_config_exits_78(make_daemon, tmp_path):
    """A config with an unknown key exits 78 (EX_CONFIG) without starting, and names the key."""
    daemon = make_daemon([file_channel(tmp_path / "outbox") | {"directroy": "typo"}])
    daemon.start(wait_ready=False)
    assert daemon.proc.wait(30) == 78
    assert "directroy" in daemon.stderr()
