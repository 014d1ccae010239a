"""Crash safety: kill -9 in the middle of a run loses nothing, and redelivers at most the deliveries in flight.

The bound on duplicates: a message is sent again after a crash only if it was claimed (state `inflight`) and its
outcome was not yet committed. A lane keeps a delivery's slot until its outcome is committed (RecordTickets), and
holds at most `concurrency` slots, so at each kill at most CONCURRENCY messages of the one channel are in that
state; a file committed by intake but not yet unlinked is re-read as a `duplicate` id and never re-sent. Two
kills: at most 2 * CONCURRENCY duplicate receipts."""
import time

from herald_harness import drop, message, wait_for, webhook_channel

COUNT = 5000
CONCURRENCY = 32


def test_kill_9_mid_run_loses_nothing(make_daemon, make_receiver):
    """Two kill -9s (during intake, then mid-delivery) and restarts: all 5,000 ids received, few duplicates."""
    receiver = make_receiver(delay_ms=5)
    daemon = make_daemon([webhook_channel(receiver, concurrency=CONCURRENCY)])
    for sub in ("incoming", "tmp"):
        (daemon.spool / sub).mkdir(parents=True, exist_ok=True)
    ids = {f"crash-{n:05d}" for n in range(COUNT)}
    for id in sorted(ids):
        drop(daemon.spool, id, message(id))

    daemon.start(wait_ready=False)
    wait_for(lambda: daemon.events("accepted"), 60, "the first intake batch committed")
    daemon.kill()
    print(f"\nkill 1: {len(list((daemon.spool / 'incoming').glob('*.json')))} files still in incoming/, "
          f"{len(receiver.requests())} receipts")

    daemon.start()
    wait_for(lambda: len(receiver.requests()) >= COUNT // 3, 120, "a third of the deliveries")
    daemon.kill()
    before = len(receiver.requests())
    assert before < COUNT, "the kill landed after the run finished; slow the receiver down"
    print(f"kill 2: {before} receipts")

    daemon.start()
    wait_for(lambda: len({r["id"] for r in receiver.requests()}) >= COUNT, 180, "every id received")
    wait_for(lambda: daemon.queue_counts() == {("webhook", "delivered"): COUNT}, 60, "all rows delivered")
    assert daemon.stop() == 0

    requests = receiver.requests()
    received = [r["id"] for r in requests]
    duplicates = len(received) - len(set(received))
    print(f"receipts {len(received)}, unique {len(set(received))}, duplicate receipts {duplicates}")
    assert set(received) == ids, f"lost: {sorted(ids - set(received))[:10]}"
    assert all(r["verified"] for r in requests)
    assert 0 <= duplicates <= 2 * CONCURRENCY, f"{duplicates} duplicates: more than the deliveries in flight at two kills"
    assert not list((daemon.spool / "incoming").glob("*.json")), "files left behind in incoming/"
    assert not list((daemon.spool / "rejected").iterdir())
    assert not daemon.events("failed")


def test_sigterm_drains_in_flight_deliveries(make_daemon, make_receiver):
    """SIGTERM lets slow in-flight requests finish within drain_timeout, records them, exits 0; nothing is resent."""
    receiver = make_receiver(delay_ms=1500)
    daemon = make_daemon([webhook_channel(receiver)], drain_timeout="5s").start()
    ids = sorted(f"drain-{n}" for n in range(5))
    for id in ids:
        drop(daemon.spool, id, message(id))
    wait_for(lambda: daemon.queue_counts().get(("webhook", "inflight")) == 5, 10, "5 requests in flight")
    assert daemon.stop(timeout=15) == 0
    assert sorted(daemon.ids("delivered")) == ids

    daemon.start()
    time.sleep(1)
    assert daemon.queue_counts() == {("webhook", "delivered"): 5}
    assert daemon.stop() == 0
    assert sorted(r["id"] for r in receiver.requests()) == ids


def test_sigterm_past_drain_timeout_requeues(make_daemon, make_receiver):
    """Requests slower than drain_timeout are abandoned on SIGTERM (exit 0 promptly) and delivered after restart."""
    receiver = make_receiver(delay_ms=6000)
    daemon = make_daemon([webhook_channel(receiver)], drain_timeout="1s").start()
    drop(daemon.spool, "slow-1", message("slow-1"))
    wait_for(lambda: daemon.queue_counts().get(("webhook", "inflight")) == 1, 10, "slow-1 in flight")
    started = time.monotonic()
    assert daemon.stop(timeout=20) == 0
    assert time.monotonic() - started < 4, "shutdown waited for the request instead of drain_timeout"
    assert daemon.queue_counts() == {("webhook", "queued"): 1}, "the abandoned message must go back to the queue"

    receiver.set_plan({})
    daemon.start()
    wait_for(lambda: daemon.events("delivered", "slow-1"), 30, "slow-1 delivered after restart")
    assert daemon.stop() == 0
