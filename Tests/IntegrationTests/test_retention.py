"""Bounded state end to end: with a short dedup_window a re-sent id inside the window is a `duplicate`, and once the
prune has deleted the finished row the same id is a new message and is delivered again."""
import sqlite3

from herald_harness import drop, file_channel, message, wait_for, webhook_channel


def row_count(daemon, id):
    """Rows for `id` in queue.sqlite, read the way `sqlite3` would (WAL readers do not block the daemon)."""
    connection = sqlite3.connect(f"file:{daemon.state / 'queue.sqlite'}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute("SELECT COUNT(*) FROM message WHERE id = ?", (id,)).fetchone()[0]
    finally:
        connection.close()


def test_an_id_is_a_duplicate_inside_dedup_window_and_new_after_it(make_daemon, tmp_path):
    daemon = make_daemon([file_channel(tmp_path / "outbox")])
    daemon.config.write_text('dedup_window = "10s"\n' + daemon.config.read_text())
    daemon.start()
    drop(daemon.spool, "first", message("again", channel="email"))
    wait_for(lambda: daemon.ids("delivered") == ["again"], 15, "the first delivery")

    drop(daemon.spool, "second", message("again", channel="email"))
    wait_for(lambda: daemon.ids("duplicate") == ["again"], 15, "the re-sent id reported duplicate")
    assert daemon.ids("delivered") == ["again"], "inside the window the re-sent id is not delivered"

    # The prune runs every second (its shortest interval) and deletes the row 10 s after its delivery.
    wait_for(lambda: row_count(daemon, "again") == 0, 30, "the finished row pruned after dedup_window")
    drop(daemon.spool, "third", message("again", channel="email"))
    wait_for(lambda: daemon.ids("delivered") == ["again", "again"], 15, "the id delivered again after the window")
    assert daemon.ids("duplicate") == ["again"]
    assert daemon.stop() == 0


def test_requeue_after_the_failed_row_was_pruned(make_daemon, make_receiver):
    """Past the window the failed row (and its body) is gone, the dead letter stays: requeue sends it through the
    spool, and it is delivered."""
    receiver = make_receiver({"ids": {"gone": [400]}})
    daemon = make_daemon([webhook_channel(receiver)])
    daemon.config.write_text('dedup_window = "10s"\n' + daemon.config.read_text())
    daemon.start()
    drop(daemon.spool, "gone", message("gone"))
    wait_for(lambda: daemon.events("failed", "gone"), 15, "the message failed")
    dead = daemon.spool / "failed" / "gone.json"
    wait_for(dead.exists, 5, "failed/gone.json")
    wait_for(lambda: row_count(daemon, "gone") == 0, 30, "the failed row pruned after dedup_window")
    result = daemon.cli("requeue", "gone")
    assert result.returncode == 0, result.stderr
    assert "through the spool" in result.stdout
    assert not dead.exists()
    wait_for(lambda: daemon.events("delivered", "gone"), 15, "delivered after the requeue")
    assert [r["status"] for r in receiver.requests("gone")] == [400, 200]
    assert daemon.stop() == 0
