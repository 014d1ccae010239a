"""Bounded state end to end: with a short dedup_window a re-sent id inside the window is a `duplicate`, and once the
prune has deleted the finished row the same id is a new message and is delivered again."""
import sqlite3

from herald_harness import drop, file_channel, message, wait_for


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

    # The prune runs every second (a tenth of the window) and deletes the row 10 s after its delivery.
    wait_for(lambda: row_count(daemon, "again") == 0, 30, "the finished row pruned after dedup_window")
    drop(daemon.spool, "third", message("again", channel="email"))
    wait_for(lambda: daemon.ids("delivered") == ["again", "again"], 15, "the id delivered again after the window")
    assert daemon.ids("duplicate") == ["again"]
    assert daemon.stop() == 0
