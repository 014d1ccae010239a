"""The audience channel end to end: herald run against the loopback ad-platform mock (peers/audience_server.py),
which checks every request against the provider's schema (hashes, row and byte limits) and keeps the audience's
membership. Identifiers reach it hashed; no raw email or phone is left in the log, stderr or the event ledger."""
import hashlib
import json
import re

from herald_harness import drop, wait_for

EMAIL_RE = re.compile(rb"[a-z0-9.]+@example\.(com|net)")


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def meta_channel(peer, name="social", **extra):
    return {"name": name, "plugin": "audience", "provider": "meta", "url": peer.url, "ca_file": str(peer.ca),
            "access_token": peer.meta_token, "default_country": "MY", "batch": 10000, "batch_linger": "300ms",
            "audiences": {"cart": "2385000001", "loyal": "2385000002", "lapsed": "2385000003"}} | extra


def audience_message(id, email=None, phone=None, name="cart", action="add", channel="social", **to):
    recipient = {"external_id": None} | to
    recipient.pop("external_id")
    if email:
        recipient["email"] = email
    if phone:
        recipient["phone"] = phone
    return {"id": id, "channel": channel, "to": recipient, "category": "marketing",
            "audience": {"name": name, "action": action}}


def raw_pii_left(daemon, values):
    """The raw values still readable in the delivery log, stderr, the event ledger or the membership ledger
    (`memberships.sqlite`, its WAL and shared memory included)."""
    places = [daemon.log.read_bytes(), daemon.stderr().encode()]
    for name in ("events.sqlite", "memberships.sqlite"):
        places += [path.read_bytes() for path in daemon.state.glob(name + "*")]
    return sorted({v for v in values for blob in places if v.encode() in blob})


def test_adds_and_removes_reach_the_audience_hashed(make_daemon, audience_peer):
    """Adds land in the audience as the hashes of the normalized values (Meta's rules: trim and lower-case the
    email, digits with the country code for the phone); a remove takes the member out again."""
    daemon = make_daemon([meta_channel(audience_peer)], recipients="masked").start()
    people = {f"a{n}": (f"Person.{n}@Example.COM", f"012-345 67{n:02d}") for n in range(6)}
    for id, (email, phone) in people.items():
        drop(daemon.spool, id, audience_message(id, email, phone))
    wait_for(lambda: len(daemon.ids("delivered")) >= 6, 30, lambda: f"6 delivered: {daemon.events()}")
    expected = {sha(email.strip().lower()) for email, _ in people.values()}
    assert audience_peer.members("2385000001") == expected
    rows = [r for r in audience_peer.requests("meta") if r["method"] == "POST"]
    assert all(not r["problems"] for r in rows), rows
    assert sum(r["count"] for r in rows) == 6

    drop(daemon.spool, "r0", audience_message("r0", people["a0"][0], people["a0"][1], action="remove"))
    wait_for(lambda: daemon.events("delivered", "r0"), 30, "the remove delivered")
    assert daemon.stop() == 0
    assert audience_peer.members("2385000001") == expected - {sha("person.0@example.com")}
    assert [r["method"] for r in audience_peer.requests("meta")][-1] == "DELETE"
    raw = [e.strip() for e, _ in people.values()] + [p for _, p in people.values()] + ["60123456700"]
    assert raw_pii_left(daemon, raw) == []


def test_unknown_audience_and_missing_audience_are_rejected_at_intake(make_daemon, audience_peer):
    daemon = make_daemon([meta_channel(audience_peer)]).start()
    drop(daemon.spool, "unknown", audience_message("unknown", "a@example.com", name="nope"))
    bare = audience_message("bare", "b@example.com")
    del bare["audience"]
    drop(daemon.spool, "bare", bare)
    wait_for(lambda: len(daemon.events("rejected")) >= 2, 30, lambda: f"two rejected: {daemon.events()}")
    assert daemon.stop() == 0
    fields = {e["id"] if "id" in e else e.get("file"): e["field"] for e in daemon.events("rejected")}
    assert "audience.name" in fields.values(), fields
    assert not audience_peer.requests("meta")


def test_replies_map_to_each_members_outcome(make_daemon, audience_peer):
    """Partial invalid fails only the matched row; a server error is retried and delivered; Meta's rate limit
    holds the channel for the usage header's minutes; a bad token pauses its channel."""
    bad = "bad.row@example.com"
    audience_peer.set_rules({"meta": {
        "2385000001": [{"reply": "partial", "invalid": [sha(bad)]}, "server_error"],
        "2385000002": [{"reply": "rate_limit", "regain_minutes": 45}],
        "2385000003": ["auth"],
    }})
    channels = [meta_channel(audience_peer, name="social"),
                meta_channel(audience_peer, name="social-limited"), meta_channel(audience_peer, name="social-auth")]
    daemon = make_daemon(channels, recipients="masked").start()
    drop(daemon.spool, "bad", audience_message("bad", bad))
    drop(daemon.spool, "good", audience_message("good", "good.row@example.com"))
    wait_for(lambda: daemon.events("failed", "bad") and daemon.events("delivered", "good"), 30,
             lambda: f"partial: {daemon.events()}")
    drop(daemon.spool, "retried", audience_message("retried", "retry@example.com"))
    drop(daemon.spool, "limited", audience_message("limited", "limit@example.com", name="loyal", channel="social-limited"))
    drop(daemon.spool, "paused", audience_message("paused", "auth@example.com", name="lapsed", channel="social-auth"))
    wait_for(lambda: daemon.events("delivered", "retried") and daemon.events("throttled", "limited")
             and daemon.events("paused", "paused"), 30, lambda: f"outcomes: {daemon.events()}")
    assert daemon.stop() == 0
    assert [e["event"] for e in daemon.events(id="retried")] == ["accepted", "deferred", "delivered"]
    [throttled] = daemon.events("throttled", "limited")
    assert throttled["code"] == "meta:80003"
    assert throttled.get("retry_at"), throttled
    assert daemon.events("failed", "bad")[0]["code"] == "invalid_entry"


def test_a_hundred_thousand_adds_go_in_few_full_requests(make_daemon, make_audience_peer):
    """100,000 adds to 3 audiences with the default limits (10,000 rows, 60 KB): at most 125 requests, each at
    least 90% full of its byte or row limit except the last of each audience. The adds are queued first (the
    channel paused), so how full a batch gets depends on the limits, not on how fast this machine takes files in."""
    peer = make_audience_peer()
    paused = make_daemon([meta_channel(peer, paused=True)], recipients="masked", intake={"batch": 5000}).start()
    audiences = ["cart", "loyal", "lapsed"]
    count = 100_000
    for n in range(count):
        drop(paused.spool, f"m{n:06d}", audience_message(f"m{n:06d}", f"user{n}@example.net", name=audiences[n % 3]))
    wait_for(lambda: len(paused.ids("accepted")) >= count, 240, f"{count} accepted", interval=0.5)
    assert paused.stop() == 0
    daemon = make_daemon([meta_channel(peer, batch_linger="2s")], root=paused.root, recipients="masked").start()
    wait_for(lambda: len(daemon.ids("delivered")) >= count, 240, f"{count} delivered", interval=0.5)
    assert daemon.stop() == 0
    requests = [r for r in peer.requests("meta") if r["reply"]["status"] == 200]
    assert sum(r["count"] for r in requests) == count
    assert len(requests) <= 125, len(requests)
    limit = 60 * 1024
    by_audience = {}
    for r in requests:
        assert r["body_bytes"] <= limit and r["count"] <= 10_000, r["body_bytes"]
        by_audience.setdefault(r["audience"], []).append(r)
    for audience, sent in by_audience.items():
        # The tail of an audience's last batch goes beside that batch's other requests, so it need not arrive
        # last: every request but the smallest is at least 90% full.
        fills = sorted(max(r["body_bytes"] / limit, r["count"] / 10_000) for r in sent)
        assert all(f >= 0.9 for f in fills[1:]), (audience, [round(f, 2) for f in fills])
    assert len(peer.members("2385000001")) == 33_334


def test_a_crash_during_a_pending_batch_loses_nothing(make_daemon, audience_peer):
    """kill -9 while a batch lingers: nothing was sent; after the restart every member is added once."""
    channel = meta_channel(audience_peer, batch_linger="1h")
    daemon = make_daemon([channel], recipients="masked").start()
    for n in range(50):
        drop(daemon.spool, f"k{n}", audience_message(f"k{n}", f"crash{n}@example.com"))
    wait_for(lambda: daemon.queue_counts().get(("social", "inflight")) == 50, 30, "50 waiting in flight")
    daemon.kill()
    assert not audience_peer.requests("meta")
    again = make_daemon([channel | {"batch_linger": "200ms"}], root=daemon.root, recipients="masked").start()
    wait_for(lambda: len(again.ids("delivered")) >= 50, 30, lambda: f"50 delivered: {again.events()}")
    assert again.stop() == 0
    assert sum(r["count"] for r in audience_peer.requests("meta")) == 50
    assert len(audience_peer.members("2385000001")) == 50


def test_an_email_unsubscribe_stops_adds_but_not_removes(make_daemon, audience_peer):
    """The person unsubscribed from email (kind email, not the audience's own kind): an add for them ends
    `suppressed` and never reaches the platform; a remove still goes; another person is added."""
    daemon = make_daemon([meta_channel(audience_peer)], recipients="masked")
    assert daemon.cli("suppress", "add", "--reason", "unsubscribed", "Gone@Example.com").returncode == 0
    daemon.start()
    drop(daemon.spool, "add-gone", audience_message("add-gone", "gone@example.com"))
    drop(daemon.spool, "remove-gone", audience_message("remove-gone", "gone@example.com", action="remove"))
    drop(daemon.spool, "add-kept", audience_message("add-kept", "kept@example.com"))
    wait_for(lambda: daemon.events("suppressed", "add-gone") and daemon.events("delivered", "remove-gone")
             and daemon.events("delivered", "add-kept"), 30, lambda: f"outcomes: {daemon.events()}")
    assert daemon.stop() == 0
    assert daemon.events("suppressed", "add-gone")[0]["code"] == "unsubscribed"
    assert audience_peer.members("2385000001") == {sha("kept@example.com")}
    posted = [r for r in audience_peer.requests("meta") if r["method"] == "POST"]
    assert sum(r["count"] for r in posted) == 1


def test_an_add_and_a_remove_in_one_window_cancel_each_other(make_daemon, audience_peer):
    """A remove of a member whose add is still waiting for its batch: both end `cancelled`, each naming the other,
    and neither reaches the platform; the other adds of the window go."""
    daemon = make_daemon([meta_channel(audience_peer, batch_linger="3s")], recipients="masked").start()
    drop(daemon.spool, "add-x", audience_message("add-x", "Xena@Example.com"))
    drop(daemon.spool, "add-y", audience_message("add-y", "yan@example.com"))
    wait_for(lambda: daemon.queue_counts().get(("social", "inflight")) == 2, 30, "both adds waiting")
    drop(daemon.spool, "remove-x", audience_message("remove-x", "xena@example.com", action="remove"))
    wait_for(lambda: daemon.events("delivered", "add-y"), 30, lambda: f"add-y delivered: {daemon.events()}")
    assert daemon.stop() == 0
    cancelled = {e["id"]: e for e in daemon.events("cancelled")}
    assert set(cancelled) == {"add-x", "remove-x"}, daemon.events()
    assert "remove-x" in cancelled["add-x"]["detail"] and "add-x" in cancelled["remove-x"]["detail"]
    assert audience_peer.members("2385000001") == {sha("yan@example.com")}
    assert [r["method"] for r in audience_peer.requests("meta")] == ["POST"]
    assert daemon.queue_counts().get(("social", "cancelled")) == 2
