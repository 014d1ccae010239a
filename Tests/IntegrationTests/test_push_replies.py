"""Every FCM and Web Push reply row of the push issue's tables through the daemon (APNs has its own in
test_push_apns.py): the peer gives the scripted reply, and the daemon logs the outcome the table names — a dead
device suppressed (address_dead), failed, throttled or deferred then delivered, or the channel paused."""
import secrets

from herald_harness import drop, wait_for
from test_push_fcm import fcm_channel, fcm_message
from test_push_webpush import web_message, webpush_channel

# (reply, what the table says): "dead", "failed", "throttled", "deferred" (the last two then delivered).
FCM_ROWS = {"UNREGISTERED": "dead", "INVALID_TOKEN": "dead", "SENDER_ID_MISMATCH": "dead",
            "INVALID_ARGUMENT": "failed", "QUOTA_EXCEEDED": "throttled", "UNAVAILABLE": "deferred",
            "INTERNAL": "deferred"}
WEBPUSH_ROWS = {404: "dead", 410: "dead", 413: "failed", 429: "throttled", 500: "deferred", 502: "deferred",
                503: "deferred"}


def ended(daemon, ids):
    return all(daemon.events("delivered", id) or daemon.events("failed", id) for id in ids)


def check_rows(daemon, rows):
    """`rows` maps a message id to what its reply must have led to."""
    dead = {id for id, want in rows.items() if want == "dead"}
    assert sorted(e["id"] for e in daemon.events("address_dead")) == sorted(dead)
    for id, want in rows.items():
        events = [e["event"] for e in daemon.events(id=id)]
        if want in ("dead", "failed"):
            assert "failed" in events and "delivered" not in events, (id, want, events)
        else:
            assert want in events and events[-1] == "delivered", (id, want, events)
            assert events.count(want) == 1, (id, want, events)


def test_fcm_reply_rows(make_daemon, push_peer):
    rows = {f"fcm-{name.lower()}": want for name, want in FCM_ROWS.items()}
    tokens = {f"fcm-{name.lower()}": f"tok-{name}-" + secrets.token_hex(6) for name in FCM_ROWS}
    push_peer.set_rules({"fcm": {tokens[f"fcm-{name.lower()}"]: [name] for name in FCM_ROWS}})
    daemon = make_daemon([fcm_channel(push_peer)], recipients="masked").start()
    for id, device in tokens.items():
        drop(daemon.spool, id, fcm_message(id, [device]))
    wait_for(lambda: ended(daemon, rows), 60, lambda: f"every row ended: {daemon.events()}")
    assert daemon.stop() == 0
    check_rows(daemon, rows)
    dead = {e["id"] for e in daemon.events("address_dead")}
    listed = daemon.cli("suppress", "list", "--kind", "push_token").stdout
    assert all((tokens[id] in listed) == (id in dead) for id in tokens), listed


def test_webpush_reply_rows(make_daemon, push_peer):
    subscriptions = {f"wp-{status}": push_peer.subscribe() for status in WEBPUSH_ROWS}
    rows = {f"wp-{status}": want for status, want in WEBPUSH_ROWS.items()}
    push_peer.set_rules({"webpush": {subscriptions[f"wp-{status}"].id: [status] for status in WEBPUSH_ROWS}})
    daemon = make_daemon([webpush_channel(push_peer)], recipients="masked").start()
    for id, subscription in subscriptions.items():
        drop(daemon.spool, id, web_message(id, [subscription]))
    wait_for(lambda: ended(daemon, rows), 60, lambda: f"every row ended: {daemon.events()}")
    assert daemon.stop() == 0
    check_rows(daemon, rows)


def test_credential_rows_pause_their_channel(make_daemon, push_peer):
    """PERMISSION_DENIED, UNAUTHENTICATED again right after a refresh, and Web Push 400/401/403 (VAPID) are
    credentialsInvalid: each channel pauses (`paused`, the reply's code) and its message waits, not failed and
    not retried against the provider. One channel per row, so one pause holds no other row back."""
    cases = {"fcm-denied": ("fcm", "PERMISSION_DENIED"), "fcm-unauth": ("fcm", "UNAUTHENTICATED"),
             "wp-400": ("web", 400), "wp-401": ("web", 401), "wp-403": ("web", 403)}
    channels, rules, bodies = [], {"fcm": {}, "webpush": {}}, {}
    for id, (platform, reply) in cases.items():
        if platform == "fcm":
            channels.append(fcm_channel(push_peer, name=id))
            device = f"tok-{id}-" + secrets.token_hex(6)
            # UNAUTHENTICATED twice: once before the refresh, once right after it.
            rules["fcm"][device] = [reply] * (2 if reply == "UNAUTHENTICATED" else 1) + ["ok"]
            bodies[id] = fcm_message(id, [device], channel=id)
        else:
            channels.append(webpush_channel(push_peer, name=id))
            subscription = push_peer.subscribe()
            rules["webpush"][subscription.id] = [reply, 201]
            bodies[id] = web_message(id, [subscription], channel=id)
    push_peer.set_rules(rules)
    daemon = make_daemon(channels).start()
    for id, body in bodies.items():
        drop(daemon.spool, id, body)
    wait_for(lambda: all(daemon.events("paused", id) for id in cases), 60, lambda: f"every channel paused: {daemon.events()}")
    assert daemon.stop() == 0
    for id in cases:
        events = [e["event"] for e in daemon.events(id=id)]
        assert "failed" not in events and "delivered" not in events, (id, events)
    assert not daemon.events("address_dead"), "a credentials problem is not a dead device"
    assert len([r for r in push_peer.requests("oauth")]) >= 2, "UNAUTHENTICATED refreshed the access token first"
