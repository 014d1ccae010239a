"""The push channel's Web Push side end to end: herald run against the loopback push service over HTTP/2 with TLS.
The peer checks every VAPID token with PyJWT and decrypts every body with http_ece (RFC 8291), an implementation
independent of Herald's."""
import json

from herald_harness import drop, message, wait_for


def webpush_channel(peer, **extra):
    return {"name": "push", "plugin": "push",
            "webpush": {"vapid_key_file": str(peer.vapid.path), "vapid_subject": "mailto:push@shop.example",
                        "allowed_origins": [peer.origin], "ca_file": str(peer.ca)}} | extra


def web_message(id, subscriptions, channel="push", **fields):
    body = message(id, channel=channel, content={"title": "Back in stock", "body": "Your size is here",
                                                 "url": "https://shop.example/p/1"}, **fields)
    body["to"] = {"external_id": f"u-{id}", "push": [{"platform": "web"} | s.browser() for s in subscriptions]}
    return body


def test_bodies_decrypt_at_the_push_service_and_vapid_verifies(make_daemon, push_peer):
    """Every subscription gets one aes128gcm body that http_ece decrypts to the notification, with a VAPID token
    for the push service's origin, a TTL and an Urgency."""
    daemon = make_daemon([webpush_channel(push_peer)], recipients="masked").start()
    subscriptions = {f"w-{n}": [push_peer.subscribe(), push_peer.subscribe()] for n in range(10)}
    for id, subs in subscriptions.items():
        drop(daemon.spool, id, web_message(id, subs, push={"collapse_id": "stock", "custom": {"sku": "S-1"}},
                                           priority="high"))
    wait_for(lambda: len(daemon.ids("delivered")) >= 10, 60, "10 delivered")
    assert daemon.stop() == 0

    requests = push_peer.requests("webpush")
    assert sorted(r["path"] for r in requests) == sorted(f"/wp/{s.id}" for subs in subscriptions.values() for s in subs)
    for r in requests:
        assert r["reply"]["status"] == 201, r
        assert r["jwt"]["claims"]["aud"] == push_peer.origin and r["jwt"]["claims"]["sub"] == "mailto:push@shop.example"
        assert r["headers"]["content-encoding"] == "aes128gcm" and int(r["headers"]["ttl"]) > 0
        assert r["headers"]["urgency"] == "high" and r["headers"]["topic"] == "stock"
        shown = json.loads(r["plaintext"])
        assert shown["title"] == "Back in stock" and shown["url"] == "https://shop.example/p/1"
        assert shown["data"] == {"sku": "S-1"}
    for subs in subscriptions.values():
        for s in subs:
            assert s.endpoint not in daemon.log.read_text(), "an endpoint in clear in the log"


def test_a_gone_subscription_is_suppressed(make_daemon, push_peer):
    """410 for one subscription: delivered through the other, the gone one suppressed and never tried again."""
    live, gone = push_peer.subscribe(), push_peer.subscribe()
    push_peer.set_rules({"webpush": {gone.id: [410] * 5}})
    daemon = make_daemon([webpush_channel(push_peer)]).start()
    drop(daemon.spool, "a", web_message("a", [live, gone]))
    wait_for(lambda: daemon.events("delivered", "a"), 30, "a delivered")
    assert [e["id"] for e in daemon.events("address_dead")] == ["a"]
    drop(daemon.spool, "b", web_message("b", [live, gone]))
    wait_for(lambda: daemon.events("delivered", "b"), 30, "b delivered")
    assert daemon.stop() == 0
    assert len([r for r in push_peer.requests("webpush") if r["path"] == f"/wp/{gone.id}"]) == 1


def test_an_endpoint_off_the_allowed_origins_is_rejected_at_intake(make_daemon, push_peer):
    """Herald never POSTs where a producer says: an endpoint on another origin is rejected, the field named, the
    file moved aside with its error."""
    daemon = make_daemon([webpush_channel(push_peer)]).start()
    sub = push_peer.subscribe().browser()
    sub["endpoint"] = sub["endpoint"].replace("127.0.0.1", "localhost")
    body = message("evil", channel="push", content={"title": "x"})
    body["to"] = {"push": [{"platform": "web"} | sub]}
    drop(daemon.spool, "evil", body)
    wait_for(lambda: daemon.events("rejected"), 30, "a rejected line")
    assert daemon.stop() == 0
    rejected = daemon.events("rejected")[0]
    assert rejected["field"] == "to.push[0].endpoint"
    assert not push_peer.requests("webpush")
    assert list((daemon.spool / "rejected").glob("evil*.error.json"))
