"""The push channel's APNs side end to end: herald run against the loopback APNs peer over HTTP/2 with TLS from a
private CA. Every provider token is verified by PyJWT at the peer; replies follow Apple's table."""
import json
import secrets

from herald_harness import drop, file_channel, message, wait_for


def apns_channel(peer, name="push", key=None, topic="com.example.shop", **extra):
    key = key or peer.apns
    return {"name": name, "plugin": "push", "concurrency": 64,
            "apns": {"url": peer.url, "team_id": key.team_id, "key_id": key.key_id,
                     "key_file": str(key.path), "topic": topic, "ca_file": str(peer.ca)}} | extra


def token():
    return secrets.token_hex(32)


def push_message(id, tokens, channel="push", **fields):
    body = message(id, channel=channel, content={"title": "Back in stock", "body": "Your size is here",
                                                 "url": "https://shop.example/p/1"}, **fields)
    body["to"] = {"external_id": f"u-{id}", "push": [{"platform": "apns", "token": t} for t in tokens]}
    return body


def test_messages_reach_every_device_with_a_verified_token(make_daemon, push_peer):
    """Each device is one request with a provider token the peer verified, the topic, a stable apns-id and the
    alert payload; the delivery is logged once with the apns-id."""
    daemon = make_daemon([apns_channel(push_peer)]).start()
    devices = {f"p-{n}": [token(), token()] for n in range(20)}
    for id, tokens in devices.items():
        drop(daemon.spool, id, push_message(id, tokens, push={"badge": 1, "custom": {"deeplink": "app://p/1"}}))
    wait_for(lambda: len(daemon.ids("delivered")) >= 20, 60, "20 delivered")
    assert daemon.stop() == 0

    requests = push_peer.requests("apns")
    assert sorted(r["path"].rsplit("/", 1)[1] for r in requests) == sorted(t for ts in devices.values() for t in ts)
    for r in requests:
        assert r["reply"]["status"] == 200, r
        assert r["headers"]["apns-topic"] == "com.example.shop"
        assert r["headers"]["apns-push-type"] == "alert"
        # The peer verified the signature (PyJWT, ES256, against the .p8's public key) before answering 200.
        assert r["jwt"]["header"]["kid"] == push_peer.apns.key_id and r["jwt"]["claims"]["iss"] == push_peer.apns.team_id
        payload = json.loads(r["body"])
        assert payload["aps"]["alert"] == {"title": "Back in stock", "body": "Your size is here"}
        assert payload["aps"]["badge"] == 1 and payload["deeplink"] == "app://p/1"
    assert len({r["headers"]["authorization"] for r in requests}) == 1, "one provider token for the whole run"
    delivered = daemon.events("delivered")
    assert sorted(e["id"] for e in delivered) == sorted(devices)
    assert all(e["plugin"] == "push" and e["provider_id"] for e in delivered)


def test_a_dead_token_is_suppressed_and_never_tried_again(make_daemon, push_peer):
    """410 Unregistered for one of two devices: delivered through the other, the dead token suppressed at once
    (address_dead, masked), and the next message to both devices reaches the peer for the live one only."""
    live, dead = token(), token()
    push_peer.set_rules({"apns": {dead: ["Unregistered"] * 5}})
    daemon = make_daemon([apns_channel(push_peer)], recipients="masked").start()
    drop(daemon.spool, "first", push_message("first", [live, dead]))
    wait_for(lambda: daemon.events("delivered", "first"), 30, "first delivered")
    lines = daemon.events("address_dead")
    assert [e["id"] for e in lines] == ["first"] and lines[0]["code"] == "push_token"
    assert dead not in json.dumps(lines) and dead not in daemon.log.read_text(), "the dead token in clear"
    listed = daemon.cli("suppress", "list", "--kind", "push_token")
    assert dead in listed.stdout and live not in listed.stdout and "u-first" not in listed.stdout

    drop(daemon.spool, "second", push_message("second", [live, dead]))
    wait_for(lambda: daemon.events("delivered", "second"), 30, "second delivered")
    assert daemon.stop() == 0
    to_dead = [r for r in push_peer.requests("apns") if r["path"].endswith(dead)]
    assert len(to_dead) == 1, "the suppressed token was tried again"


def test_one_dead_ios_token_falls_back_to_email_once(make_daemon, push_peer, tmp_path):
    """The recipient's only device is dead: recipient-invalid, so the message moves to email (logged fallback) and
    is delivered once, by email; the token is suppressed and a later push to it never reaches the server."""
    dead = token()
    push_peer.set_rules({"apns": {dead: ["Unregistered"] * 5}})
    outbox = tmp_path / "outbox"
    daemon = make_daemon([apns_channel(push_peer), file_channel(outbox)]).start()
    body = push_message("fb-1", [dead], fallback=["email"])
    body["to"]["email"] = "ana@example.com"
    drop(daemon.spool, "fb-1", body)
    wait_for(lambda: daemon.events("delivered", "fb-1"), 30, "fb-1 delivered")
    assert [e["channel"] for e in daemon.events("delivered", "fb-1")] == ["email"]
    assert [e["event"] for e in daemon.events(id="fb-1") if e["event"] in ("fallback", "delivered")] == ["fallback", "delivered"]
    assert len(list(outbox.glob("fb-1*.json"))) == 1

    later = push_message("fb-2", [dead], fallback=["email"])
    later["to"]["email"] = "ana@example.com"
    drop(daemon.spool, "fb-2", later)
    wait_for(lambda: daemon.events("delivered", "fb-2"), 30, "fb-2 delivered")
    assert daemon.stop() == 0
    assert len([r for r in push_peer.requests("apns") if r["path"].endswith(dead)]) == 1


def test_replies_map_to_outcomes(make_daemon, push_peer):
    """Apple's table through the daemon: 400 BadDeviceToken dead, 413 and other 400s failed, 403 InvalidProviderToken
    pauses the channel, 429 and 503 retried until they pass."""
    tokens = {name: token() for name in ("bad", "large", "collapse", "busy", "slow")}
    push_peer.set_rules({"apns": {
        tokens["bad"]: ["BadDeviceToken"], tokens["large"]: ["PayloadTooLarge"], tokens["collapse"]: ["BadCollapseId"],
        tokens["busy"]: ["ServiceUnavailable", "InternalServerError"], tokens["slow"]: [{"reply": "TooManyRequests", "retry_after": 1}],
    }})
    daemon = make_daemon([apns_channel(push_peer)]).start()
    for name, t in tokens.items():
        drop(daemon.spool, name, push_message(name, [t]))
    wait_for(lambda: daemon.events("delivered", "busy") and daemon.events("delivered", "slow"), 60, "busy and slow delivered")
    wait_for(lambda: len(daemon.ids("failed")) >= 3, 30, "three failed")
    assert daemon.stop() == 0
    failed = {e["id"]: e for e in daemon.events("failed")}
    assert set(failed) == {"bad", "large", "collapse"}
    assert [e["id"] for e in daemon.events("address_dead")] == ["bad"]
    assert {e["event"] for e in daemon.events(id="busy")} >= {"deferred", "delivered"}
    assert {e["event"] for e in daemon.events(id="slow")} >= {"throttled", "delivered"}


def test_five_thousand_messages_share_at_most_four_connections(make_daemon, make_push_peer):
    """5,000 APNs deliveries multiplex over the pool: the peer, which allows one stream per connection until a
    valid provider token was seen (Apple's rule), counts at most 4 TLS connections."""
    peer = make_push_peer(apns_one_stream_until_auth=True)
    daemon = make_daemon([apns_channel(peer, concurrency=256)], recipients="masked").start()
    count = 5000
    for n in range(count):
        drop(daemon.spool, f"c-{n:04d}", push_message(f"c-{n:04d}", [token()]))
    wait_for(lambda: len(daemon.ids("delivered")) >= count, 180, f"{count} delivered")
    assert daemon.stop() == 0
    assert len(peer.requests("apns")) == count
    assert 1 <= peer.connections() <= 4, f"{peer.connections()} TLS connections"


def test_two_teams_on_one_host_never_share_a_connection(make_daemon, push_peer):
    """Two apps of two teams are two channels on the same APNs host. The peer refuses a second team's provider
    token on a connection (InvalidProviderToken, as Apple does), so both deliver only if each channel keeps
    connections of its own; each connection carries one team's token."""
    daemon = make_daemon([apns_channel(push_peer), apns_channel(push_peer, name="push-other",
                                                                  key=push_peer.apns_other, topic="com.other.app")]).start()
    for n in range(40):
        channel = "push" if n % 2 else "push-other"
        drop(daemon.spool, f"t-{n}", push_message(f"t-{n}", [token()], channel=channel))
    wait_for(lambda: len(daemon.ids("delivered")) >= 40, 60, "40 delivered")
    assert daemon.stop() == 0
    requests = push_peer.requests("apns")
    assert len(requests) == 40 and all(r["reply"]["status"] == 200 for r in requests), \
        [r["reply"] for r in requests if r["reply"]["status"] != 200][:3]
    teams = {}
    for r in requests:
        teams.setdefault(r["conn"], set()).add(r["jwt"]["claims"]["iss"])
    assert all(len(t) == 1 for t in teams.values()), teams
    assert set().union(*teams.values()) == {push_peer.apns.team_id, push_peer.apns_other.team_id}
    by_team = {r["jwt"]["claims"]["iss"]: r["headers"]["apns-topic"] for r in requests}
    assert by_team == {push_peer.apns.team_id: "com.example.shop", push_peer.apns_other.team_id: "com.other.app"}
