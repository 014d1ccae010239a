"""Webhook delivery end to end: volume, exactly-once receipt, Standard Webhooks signatures, retries, endpoints."""
import json
import time
from datetime import datetime, timedelta, timezone

from herald_harness import drop, message, wait_for, webhook_channel

COUNT = 1000


def test_thousand_messages_each_received_once_and_signed(make_daemon, make_receiver):
    """1,000 dropped files become 1,000 verified requests, one per id, and 1,000 `delivered` log lines."""
    receiver = make_receiver()
    daemon = make_daemon([webhook_channel(receiver, concurrency=32)]).start()
    ids = [f"bulk-{n:04d}" for n in range(COUNT)]
    sent = {}
    for id in ids:
        sent[id] = message(id, data={"n": int(id[5:]), "items": [{"name": "Serum"}]})
        drop(daemon.spool, id, sent[id])

    wait_for(lambda: len(daemon.ids("delivered")) >= COUNT, 120, f"{COUNT} delivered lines")
    assert daemon.stop() == 0

    requests = receiver.requests()
    received = [r["id"] for r in requests]
    assert len(received) == COUNT, f"{len(received) - len(set(received))} duplicate requests"
    assert sorted(received) == ids
    unverified = [r for r in requests if not r["verified"]]
    assert not unverified, f"{len(unverified)} signatures failed, e.g. {unverified[0]['error']}"
    for r in requests:
        body = json.loads(r["body"])
        assert r["path"] == "/hook"
        assert body["type"] == "message.send"
        assert body["data"]["id"] == r["id"] == r["headers"]["webhook-id"]
        assert body["data"]["attempt"] == 1
        assert (body["data"]["campaign"], body["data"]["stage"], body["data"]["trigger"], body["data"]["category"]) == (
            "cart-abandon", "acquisition", "cart_abandoned", "marketing")
        assert body["data"]["data"] == sent[r["id"]]["data"]
        assert body["data"]["to"]["email"] == sent[r["id"]]["to"]["email"]
        assert body["data"]["content"] == sent[r["id"]]["content"]
    delivered = daemon.events("delivered")
    assert sorted(e["id"] for e in delivered) == ids
    for e in delivered:
        assert (e["channel"], e["plugin"], e["campaign"], e["stage"], e["code"]) == (
            "webhook", "webhook", "cart-abandon", "acquisition", "200")
        assert e["to"] == sent[e["id"]]["to"]["email"] and e["attempt"] == 1 and e["latency_ms"] >= 0
    assert sorted(daemon.ids("accepted")) == ids
    assert not daemon.events("rejected") and not daemon.events("duplicate")
    assert not list((daemon.spool / "incoming").iterdir())
    assert daemon.queue_counts() == {("webhook", "delivered"): COUNT}


def test_retries_keep_the_webhook_id(make_daemon, make_receiver):
    """A message answered 503, 500, then 200 is sent three times with the same webhook-id, each attempt signed."""
    receiver = make_receiver({"ids": {"retry-1": [503, 500]}})
    daemon = make_daemon([webhook_channel(receiver)]).start()
    drop(daemon.spool, "retry-1", message("retry-1"))

    wait_for(lambda: daemon.events("delivered", "retry-1"), 30, "retry-1 delivered")
    requests = receiver.requests("retry-1")
    assert [r["status"] for r in requests] == [503, 500, 200]
    assert {r["headers"]["webhook-id"] for r in requests} == {"retry-1"}
    assert all(r["verified"] for r in requests), [r["error"] for r in requests]
    assert [json.loads(r["body"])["data"]["attempt"] for r in requests] == [1, 2, 3]
    events = [(e["event"], e["attempt"]) for e in daemon.events(id="retry-1") if e["event"] != "accepted"]
    assert events == [("deferred", 1), ("deferred", 2), ("delivered", 3)]


def test_named_endpoint_routing(make_daemon, make_receiver):
    """`endpoint` picks a configured named URL; no endpoint uses `url`; an unknown name fails without a request."""
    receiver = make_receiver()
    channel = webhook_channel(receiver, endpoints={"loyalty": receiver.url + "/loyalty"})
    daemon = make_daemon([channel]).start()
    drop(daemon.spool, "ep-default", message("ep-default"))
    drop(daemon.spool, "ep-loyalty", message("ep-loyalty", endpoint="loyalty"))
    drop(daemon.spool, "ep-unknown", message("ep-unknown", endpoint="nowhere"))

    wait_for(lambda: len(daemon.events("delivered")) == 2 and daemon.events("failed"), 30, "routing outcomes")
    assert [r["path"] for r in receiver.requests("ep-default")] == ["/hook"]
    assert [r["path"] for r in receiver.requests("ep-loyalty")] == ["/loyalty"]
    assert receiver.requests("ep-unknown") == []
    assert daemon.ids("failed") == ["ep-unknown"]
    assert (daemon.spool / "failed" / "ep-unknown.json").exists()


def test_duplicate_id_is_not_sent_again(make_daemon, make_receiver):
    """A second file with an id Herald already knows is logged `duplicate` and never sent."""
    receiver = make_receiver()
    daemon = make_daemon([webhook_channel(receiver)]).start()
    drop(daemon.spool, "first", message("dup-1"))
    wait_for(lambda: daemon.events("delivered", "dup-1"), 15, "dup-1 delivered")
    drop(daemon.spool, "second", message("dup-1", content={"text": "changed"}))
    drop(daemon.spool, "twin-a", message("dup-2"))  # likely the same intake batch
    drop(daemon.spool, "twin-b", message("dup-2"))
    wait_for(lambda: daemon.events("duplicate", "dup-1") and daemon.events("duplicate", "dup-2"), 15, "duplicates")
    wait_for(lambda: daemon.events("delivered", "dup-2"), 15, "dup-2 delivered")
    time.sleep(0.5)  # room for a wrong second send to show up

    assert not list((daemon.spool / "incoming").glob("*.json"))
    assert len(receiver.requests("dup-1")) == 1
    assert [e["event"] for e in daemon.events(id="dup-1")] == ["accepted", "delivered", "duplicate"]
    assert len(receiver.requests("dup-2")) == 1
    assert sorted(e["event"] for e in daemon.events(id="dup-2")) == ["accepted", "delivered", "duplicate"]


def test_id_derived_from_file_name(make_daemon, make_receiver):
    """Without an id, the id is FILENAME-HASH: stable, so the same file dropped twice is a duplicate."""
    receiver = make_receiver()
    daemon = make_daemon([webhook_channel(receiver)]).start()
    body = message("x")
    del body["id"]
    drop(daemon.spool, "order-77", body)
    delivered = wait_for(lambda: daemon.events("delivered"), 15, "the id-less message delivered")[0]
    assert delivered["id"].startswith("order-77-") and "." not in delivered["id"]
    assert [r["id"] for r in receiver.requests()] == [delivered["id"]]
    drop(daemon.spool, "order-77", body)
    wait_for(lambda: daemon.events("duplicate"), 15, "the re-dropped copy reported duplicate")
    assert daemon.events("duplicate")[0]["id"] == delivered["id"]
    assert len(receiver.requests()) == 1


def test_not_before_and_expires_at(make_daemon, make_receiver):
    """not_before 2 s ahead delays the send by 2 s; a message whose expires_at has passed is `expired`, never sent."""
    receiver = make_receiver()
    daemon = make_daemon([webhook_channel(receiver)]).start()
    now = datetime.now(timezone.utc)
    later = (now + timedelta(seconds=2)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    gone = (now - timedelta(seconds=1)).isoformat(timespec="seconds").replace("+00:00", "Z")
    drop(daemon.spool, "later", message("later", not_before=later))
    drop(daemon.spool, "gone", message("gone", expires_at=gone))

    wait_for(lambda: daemon.events("delivered", "later") and daemon.events("expired", "gone"), 30, "both outcomes")
    assert receiver.requests("gone") == []
    sent_at = receiver.requests("later")[0]["t"]
    assert sent_at >= (now + timedelta(seconds=2)).timestamp() - 0.05, "sent before not_before"
    assert sent_at <= (now + timedelta(seconds=6)).timestamp(), "sent long after not_before"


def test_rate_limit_spreads_sends(make_daemon, make_receiver):
    """rate = "20/s" spreads 40 messages over at least ~1.8 s instead of sending them at once."""
    receiver = make_receiver()
    daemon = make_daemon([webhook_channel(receiver, rate="20/s")]).start()
    for n in range(40):
        drop(daemon.spool, f"rate-{n:02d}", message(f"rate-{n:02d}"))
    wait_for(lambda: len(daemon.events("delivered")) == 40, 30, "40 delivered")
    times = sorted(r["t"] for r in receiver.requests())
    assert len(times) == 40
    assert times[-1] - times[0] >= 1.6, f"40 sends took {times[-1] - times[0]:.2f}s at 20/s"
