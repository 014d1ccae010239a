"""The push channel's FCM side end to end: herald run against the loopback FCM peer (HTTP/2 over TLS) with its
OAuth token endpoint; the peer verifies the RS256 assertion with PyJWT against the service account's key."""
import json
import secrets

from herald_harness import drop, message, wait_for


def fcm_channel(peer, **extra):
    return {"name": "push", "plugin": "push",
            "fcm": {"service_account_file": str(peer.fcm.path), "url": peer.url, "ca_file": str(peer.ca)}} | extra


def fcm_message(id, tokens, channel="push", **fields):
    body = message(id, channel=channel, content={"title": "Back in stock", "body": "Your size is here"}, **fields)
    body["to"] = {"external_id": f"u-{id}", "push": [{"platform": "fcm", "token": t} for t in tokens]}
    return body


def test_one_access_token_serves_every_message(make_daemon, push_peer):
    """The assertion is exchanged once; every send carries that access token, one request per device, with
    notification and string-only data."""
    daemon = make_daemon([fcm_channel(push_peer)]).start()
    tokens = {f"f-{n}": [secrets.token_urlsafe(40)] for n in range(20)}
    for id, t in tokens.items():
        drop(daemon.spool, id, fcm_message(id, t, push={"custom": {"sku": "S-1"}}))
    wait_for(lambda: len(daemon.ids("delivered")) >= 20, 60, "20 delivered")
    assert daemon.stop() == 0

    oauth = push_peer.requests("oauth")
    assert len(oauth) == 1 and oauth[0]["reply"]["status"] == 200, oauth
    assert oauth[0]["jwt"]["claims"]["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    sends = push_peer.requests("fcm")
    assert len(sends) == 20 and all(r["reply"]["status"] == 200 for r in sends)
    assert len({r["headers"]["authorization"] for r in sends}) == 1
    for r in sends:
        body = json.loads(r["body"])["message"]
        assert body["notification"] == {"title": "Back in stock", "body": "Your size is here"}
        assert body["data"]["sku"] == "S-1"
    assert all(e["provider_id"] for e in daemon.events("delivered"))


def test_unregistered_is_dead_and_unauthenticated_refreshes(make_daemon, push_peer):
    """UNREGISTERED suppresses the token; UNAUTHENTICATED gets a new access token and the send goes through."""
    dead, live = "fcm-dead-" + secrets.token_hex(8), "fcm-live-" + secrets.token_hex(8)
    push_peer.set_rules({"fcm": {dead: ["UNREGISTERED"] * 3, live: ["UNAUTHENTICATED"]}})
    daemon = make_daemon([fcm_channel(push_peer)]).start()
    drop(daemon.spool, "d", fcm_message("d", [dead]))
    drop(daemon.spool, "l", fcm_message("l", [live]))
    wait_for(lambda: daemon.events("delivered", "l") and daemon.events("failed", "d") + daemon.events("fallback", "d")
             + daemon.events("suppressed", "d"), 60, "l delivered and d ended")
    assert daemon.stop() == 0
    assert [e["id"] for e in daemon.events("address_dead")] == ["d"]
    assert len(push_peer.requests("oauth")) == 2, "one refresh after UNAUTHENTICATED"
