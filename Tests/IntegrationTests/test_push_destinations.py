"""Dead-destination backoff on a push channel is keyed by push service: APNs failing every request goes down
(one probe per interval) while Web Push on the same channel keeps delivering."""
from herald_harness import drop, message, wait_for
from test_push_apns import token


def test_an_apns_outage_does_not_hold_web_push_back(make_daemon, push_peer):
    push_peer.set_rules({"apns": {"*": ["ServiceUnavailable"] * 10_000}})
    channel = {"name": "push", "plugin": "push", "concurrency": 16, "dead_after": 5,
               "apns": {"url": push_peer.url, "team_id": push_peer.apns.team_id, "key_id": push_peer.apns.key_id,
                        "key_file": str(push_peer.apns.path), "topic": "com.example.shop", "ca_file": str(push_peer.ca)},
               "webpush": {"vapid_key_file": str(push_peer.vapid.path), "vapid_subject": "mailto:push@shop.example",
                           "allowed_origins": [push_peer.origin], "ca_file": str(push_peer.ca)}}
    daemon = make_daemon([channel], recipients="masked").start()
    for n in range(40):
        body = message(f"ios-{n}", channel="push", content={"title": "Hi"})
        body["to"] = {"external_id": f"u-{n}", "push": [{"platform": "apns", "token": token()}]}
        drop(daemon.spool, f"ios-{n}", body)
    wait_for(lambda: daemon.events("destination_down"), 30, "destination_down")
    web_ids = [f"web-{n}" for n in range(20)]
    for id in web_ids:
        body = message(id, channel="push", content={"title": "Hi"})
        body["to"] = {"external_id": f"u-{id}", "push": [{"platform": "web"} | push_peer.subscribe().browser()]}
        drop(daemon.spool, id, body)
    wait_for(lambda: all(daemon.events("delivered", id) for id in web_ids), 30, "every web push delivered")
    assert daemon.stop() == 0
    down = daemon.events("destination_down")
    assert [e["destination"] for e in down] == ["apns"], down
    assert not daemon.events("delivered", "ios-0")
    # While APNs is down it gets probes, not one attempt per queued message.
    assert len(push_peer.requests("apns")) < 40, len(push_peer.requests("apns"))
