"""The audience channel's google provider end to end: herald run against the loopback Data Manager mock
(peers/audience_server.py), which issues OAuth tokens for the datamanager scope, checks every ingest and remove
against the API's schema (hex hashes, no consent on a removal) and keeps the audience's membership."""
from herald_harness import drop, wait_for
from test_audience import audience_message, raw_pii_left, sha

AUDIENCES = {"cart": "7001", "loyal": "7002", "lapsed": "7003"}


def google_channel(peer, name="social", **extra):
    return {"name": name, "plugin": "audience", "provider": "google", "url": peer.url, "ca_file": str(peer.ca),
            "service_account_file": str(peer.google.path), "account_id": "123-456-7890",
            "default_country": "MY", "batch": 10000, "batch_linger": "300ms", "audiences": AUDIENCES} | extra


def test_adds_and_removes_reach_the_audience_hashed(make_daemon, audience_peer):
    """Google's rules: gmail dots and +tag dropped before hashing, the phone as E.164 with its +; a remove takes
    the member out; the token was fetched with the datamanager scope and no raw value is left behind."""
    daemon = make_daemon([google_channel(audience_peer)], recipients="masked").start()
    drop(daemon.spool, "g1", audience_message("g1", "Cloudy.SanFrancisco+shopping@gmail.com"))
    drop(daemon.spool, "g2", audience_message("g2", phone="012-345 6789"))
    drop(daemon.spool, "g3", audience_message("g3", "Ana.Lee@Example.com", first_name="Ana", last_name="Lee",
                                              postal_code="50450", country="MY"))
    wait_for(lambda: len(daemon.ids("delivered")) >= 3, 30, lambda: f"3 delivered: {daemon.events()}")
    gmail = "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4"
    phone = "88030e91922da507d9b1ffa68d9896f94313acc33ec5b15c72eca420a6fe775b"
    assert gmail == sha("cloudysanfrancisco@gmail.com") and phone == sha("+60123456789")
    assert audience_peer.members("7001") == {gmail, phone, sha("ana.lee@example.com")}
    assert audience_peer.requests("oauth"), "a token was fetched"
    ingests = [r for r in audience_peer.requests("google")]
    assert ingests and all(not r.get("problems") for r in ingests), ingests

    drop(daemon.spool, "r1", audience_message("r1", "cloudysanfrancisco@gmail.com", action="remove"))
    wait_for(lambda: daemon.events("delivered", "r1"), 30, lambda: f"the remove delivered: {daemon.events()}")
    assert daemon.stop() == 0
    assert audience_peer.members("7001") == {phone, sha("ana.lee@example.com")}
    assert raw_pii_left(daemon, ["Cloudy.SanFrancisco", "Ana.Lee@Example.com", "345 6789"]) == []


def test_replies_map_to_each_members_outcome(make_daemon, audience_peer):
    """Partial failure fails only the named member; the quota throttles; a refused token is refreshed and the
    retry delivered; PERMISSION_DENIED pauses the channel."""
    bad = "bad.member@example.com"
    audience_peer.set_rules({"google": {
        "7001": [{"reply": "partial", "invalid": [sha(bad)]}, "auth"],
        "7002": ["rate_limit"],
        "7003": ["permission"],
    }})
    channels = [google_channel(audience_peer, name="social"), google_channel(audience_peer, name="social-limited"),
                google_channel(audience_peer, name="social-denied")]
    daemon = make_daemon(channels, recipients="masked").start()
    drop(daemon.spool, "bad", audience_message("bad", bad))
    drop(daemon.spool, "good", audience_message("good", "good.member@example.com"))
    wait_for(lambda: daemon.events("failed", "bad") and daemon.events("delivered", "good"), 30,
             lambda: f"partial: {daemon.events()}")
    assert daemon.events("failed", "bad")[0]["code"] == "invalid_entry"
    assert sha("good.member@example.com") in audience_peer.members("7001")

    drop(daemon.spool, "refreshed", audience_message("refreshed", "refresh@example.com"))
    drop(daemon.spool, "limited", audience_message("limited", "limit@example.com", name="loyal", channel="social-limited"))
    drop(daemon.spool, "denied", audience_message("denied", "denied@example.com", name="lapsed", channel="social-denied"))
    wait_for(lambda: daemon.events("delivered", "refreshed") and daemon.events("throttled", "limited")
             and daemon.events("paused", "denied"), 30, lambda: f"outcomes: {daemon.events()}")
    assert daemon.stop() == 0
    assert [e["event"] for e in daemon.events(id="refreshed")] == ["accepted", "deferred", "delivered"]
    assert sha("refresh@example.com") in audience_peer.members("7001")
    [throttled] = daemon.events("throttled", "limited")
    assert throttled["code"] == "google:RESOURCE_EXHAUSTED"
    assert throttled.get("retry_at"), throttled
    assert daemon.events("paused", "denied")[0]["code"] == "google:PERMISSION_DENIED"
