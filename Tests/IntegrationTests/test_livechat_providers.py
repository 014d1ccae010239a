"""The livechat plugin's provider modes against a loopback mock of each provider's documented API
(peers/chat_providers.py checks auth and the request shape): Chatwoot, Crisp, Intercom and the Messenger Send
API. Each maps success to delivered, a gone conversation (or a closed Messenger window) to not reachable here —
the message moves to its fallback route and nothing is suppressed —, a bad credential to a paused channel, a
rate limit to throttled and a server error to a retry. Marketing outside Messenger's 24-hour window is moved on
before any request."""
import time

import pytest

from chat_harness import ChatProviders
from herald_harness import drop, file_channel, wait_for

PROVIDERS = {
    "chatwoot": ({"account_id": "7", "api_token": ChatProviders.TOKEN}, "conversation"),
    "crisp": ({"website_id": "web-1", "identifier": "crisp-id", "key": ChatProviders.TOKEN}, "session"),
    "intercom": ({"admin_id": "991", "access_token": ChatProviders.TOKEN}, "conversation"),
    "messenger": ({"page_id": "1055", "page_token": ChatProviders.TOKEN}, "psid"),
}


@pytest.fixture
def providers(tmp_path):
    mock = ChatProviders(tmp_path / "providers")
    yield mock
    mock.stop()


def now_rfc3339(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def provider_message(id, provider, target, **fields):
    chat = {PROVIDERS[provider][1]: target}
    if provider == "messenger":
        chat["last_inbound_at"] = now_rfc3339(-600)
    return {"id": id, "channel": provider, "to": {"chat": chat, "email": f"{id}@example.com"}, "category": "marketing",
            "fallback": ["email"], "content": {"title": "Back in stock", "body": "Size M is back.",
                                               "url": "https://shop.example/p/42"}} | fields


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_each_reply_maps_to_its_outcome(make_daemon, providers, provider, tmp_path):
    keys, _ = PROVIDERS[provider]
    providers.set_rules({provider: {"gone": ["not_found"], "busy": ["server_error", "ok"], "slow": ["rate_limit", "ok"]}})
    channels = [{"name": provider, "plugin": "livechat", "provider": provider, "url": providers.url,
                 "credentials_pause": "1h"} | keys,
                file_channel(tmp_path / "mail", name="email")]
    daemon = make_daemon(channels, recipients="masked", retry={"min": "1s", "max": "2s", "max_age": "1h"}).start()
    for id, target in (("ok", "c-ok"), ("gone", "gone"), ("busy", "busy"), ("slow", "slow")):
        drop(daemon.spool, id, provider_message(id, provider, target))
    wait_for(lambda: daemon.events("delivered", "ok") and daemon.events("delivered", "gone")
             and daemon.events("delivered", "busy") and daemon.events("delivered", "slow"), 60,
             lambda: f"outcomes: {daemon.events()}")
    assert [e["event"] for e in daemon.events(id="gone")] == ["accepted", "fallback", "delivered"]
    assert daemon.events("delivered", "gone")[0]["channel"] == "email"
    assert daemon.events("delivered", "ok")[0]["channel"] == provider
    assert "deferred" in [e["event"] for e in daemon.events(id="busy")]
    assert "throttled" in [e["event"] for e in daemon.events(id="slow")]
    sent = [r for r in providers.requests(provider) if r["target"] == "c-ok"]
    assert sent and sent[0]["problem"] is None and sent[0]["status"] < 300, sent
    text = "Back in stock\nSize M is back.\nhttps://shop.example/p/42"
    body = sent[0]["body"]
    assert text in (body.get("content"), body.get("body"), (body.get("message") or {}).get("text")), body
    listed = daemon.cli("suppress", "list")
    assert listed.returncode == 0 and "c-ok" not in listed.stdout and "gone" not in listed.stdout, "nothing suppressed"

    providers.set_rules({provider: {"*": ["auth"]}})
    drop(daemon.spool, "denied", provider_message("denied", provider, "c-2"))
    wait_for(lambda: daemon.events("paused", "denied"), 30, lambda: f"paused: {daemon.events()}")
    assert daemon.stop() == 0
    assert not daemon.events("failed"), daemon.events("failed")


def test_messenger_keeps_its_24_hour_window(make_daemon, providers, tmp_path):
    """Marketing to a person who last wrote 25 h ago goes to email without a request; a transactional message
    then goes as MESSAGE_TAG with the channel's tag; inside the window it goes as RESPONSE; a window-closed error
    from Messenger moves the message on."""
    keys, _ = PROVIDERS["messenger"]
    providers.set_rules({"messenger": {"closed": ["window_closed"]}})
    channels = [{"name": "messenger", "plugin": "livechat", "provider": "messenger", "url": providers.url,
                 "message_tag": "POST_PURCHASE_UPDATE"} | keys, file_channel(tmp_path / "mail", name="email")]
    daemon = make_daemon(channels, recipients="masked").start()
    stale = now_rfc3339(-25 * 3600)
    late_promo = provider_message("late-promo", "messenger", "p-1")
    late_promo["to"]["chat"]["last_inbound_at"] = stale
    late_receipt = provider_message("late-receipt", "messenger", "p-2", category="transactional")
    late_receipt["to"]["chat"]["last_inbound_at"] = stale
    for id, message in (("late-promo", late_promo), ("late-receipt", late_receipt),
                        ("fresh", provider_message("fresh", "messenger", "p-3")),
                        ("closed", provider_message("closed", "messenger", "closed"))):
        drop(daemon.spool, id, message)
    wait_for(lambda: all(daemon.events("delivered", id) for id in ("late-promo", "late-receipt", "fresh", "closed")), 60,
             lambda: f"outcomes: {daemon.events()}")
    assert daemon.stop() == 0
    by_target = {r["target"]: r["body"] for r in providers.requests("messenger")}
    assert "p-1" not in by_target, "marketing outside the window was sent"
    assert daemon.events("fallback", "late-promo")[0]["code"] == "window_closed"
    assert by_target["p-2"]["messaging_type"] == "MESSAGE_TAG" and by_target["p-2"]["tag"] == "POST_PURCHASE_UPDATE"
    assert by_target["p-3"]["messaging_type"] == "RESPONSE" and "tag" not in by_target["p-3"]
    assert daemon.events("fallback", "closed")[0]["code"] == "messenger:10/2018278"
    assert {e["channel"] for e in daemon.events("delivered") if e["id"] in ("late-promo", "closed")} == {"email"}


def test_to_chat_is_checked_at_intake_for_the_channels_provider(make_daemon, providers, tmp_path):
    keys, _ = PROVIDERS["crisp"]
    daemon = make_daemon([{"name": "crisp", "plugin": "livechat", "provider": "crisp", "url": providers.url} | keys],
                         recipients="masked").start()
    wrong = {"id": "wrong", "channel": "crisp", "to": {"chat": {"conversation": "c-1"}}, "content": {"text": "hi"}}
    missing = {"id": "missing", "channel": "crisp", "to": {"email": "a@example.com"}, "content": {"text": "hi"}}
    drop(daemon.spool, "wrong", wrong)
    drop(daemon.spool, "missing", missing)
    wait_for(lambda: len(daemon.events("rejected")) >= 2, 30, lambda: f"rejected: {daemon.events()}")
    assert daemon.stop() == 0
    fields = sorted(e["field"] for e in daemon.events("rejected"))
    assert fields == ["to.chat", "to.chat.conversation"], fields
    assert not providers.requests()
