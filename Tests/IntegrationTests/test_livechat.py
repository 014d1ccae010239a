"""The livechat channel's built-in mode end to end: herald run with [http], a visitor's page played by Python
(chat_harness: signed, reading the event stream, acking, replying). A message to a connected visitor is written
to their stream and delivered on the ack; one to a visitor who is away is parked (no attempt spent) and goes
when they connect; its wait ends at max_wait with the fallback route or at expires_at as expired; a stream cut
before the ack gets the message again on reconnect and it is delivered once; bad signatures get 403; a reply
reaches the status callbacks with its text, and the log keeps only its length."""
import json
import time

from chat_harness import EventStream, chat_channel, get_status, post, sign
from herald_harness import drop, file_channel, free_port, wait_for


def chat_message(id, visitor, **fields):
    return {"id": id, "channel": "chat", "to": {"visitor": visitor}, "category": "marketing",
            "content": {"title": "Back in stock", "body": "Your size M is back. Shall I hold it?",
                        "url": "https://shop.example/p/42"}} | fields


def chat_daemon(make_daemon, channels=None, **settings):
    port = free_port()
    daemon = make_daemon(channels or [chat_channel()], http={"listen": f"127.0.0.1:{port}"}, recipients="masked",
                         **settings)
    return daemon, f"http://127.0.0.1:{port}/chat"


def test_a_connected_visitor_gets_the_message_and_its_ack_delivers_it(make_daemon):
    daemon, base = chat_daemon(make_daemon)
    daemon.start()
    stream = EventStream(base, sign("v-ana"))
    assert stream.status == 200 and "text/event-stream" in stream.headers
    started = time.monotonic()
    drop(daemon.spool, "hold-m", chat_message("hold-m", "v-ana"))
    event = stream.next_event()
    print(f"spool drop -> event on the stream: {1000 * (time.monotonic() - started):.0f} ms")
    assert event["data"] == {"id": "hold-m", "title": "Back in stock", "body": "Your size M is back. Shall I hold it?",
                             "url": "https://shop.example/p/42"}
    assert not daemon.events("delivered", "hold-m"), "delivered only on the ack"
    assert post(base, "ack", sign("v-ana") | {"id": "hold-m"}) == 204
    wait_for(lambda: daemon.events("delivered", "hold-m"), 30, "delivered after the ack")
    stream.close()
    assert daemon.stop() == 0
    [delivered] = daemon.events("delivered", "hold-m")
    assert delivered["code"] == "ack" and delivered["to"] != "v-ana"


def test_a_visitor_who_connects_later_gets_the_parked_message(make_daemon):
    daemon, base = chat_daemon(make_daemon)
    daemon.start()
    drop(daemon.spool, "later", chat_message("later", "v-bo"))
    wait_for(lambda: daemon.events("parked", "later"), 30, lambda: f"parked: {daemon.events()}")
    assert daemon.queue_counts().get(("chat", "parked")) == 1
    [parked] = daemon.events("parked", "later")
    assert parked["attempt"] == 1 and parked.get("retry_at")
    stream = EventStream(base, sign("v-bo"))
    event = stream.next_event()
    assert event["data"]["id"] == "later"
    assert post(base, "ack", sign("v-bo") | {"id": "later"}) == 204
    wait_for(lambda: daemon.events("delivered", "later"), 30, "delivered on connect")
    stream.close()
    assert daemon.stop() == 0
    assert [e["event"] for e in daemon.events(id="later")] == ["accepted", "parked", "delivered"]
    assert daemon.events("delivered", "later")[0]["attempt"] == 1, "waiting spent no attempt"


def test_the_wait_ends_in_the_fallback_route_or_expired(make_daemon, tmp_path):
    """max_wait passes: the message moves to email (fallback). expires_at passes first: it ends expired."""
    channels = [chat_channel(max_wait="2s"), file_channel(tmp_path / "mail", name="email")]
    daemon, base = chat_daemon(make_daemon, channels)
    daemon.start()
    moved = chat_message("moved", "v-cy", fallback=["email"])
    moved["to"]["email"] = "cy@example.com"
    drop(daemon.spool, "moved", moved)
    expiring = chat_message("gone", "v-dee", expires_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1)))
    drop(daemon.spool, "gone", expiring)
    wait_for(lambda: daemon.events("delivered", "moved") and daemon.events("expired", "gone"), 60,
             lambda: f"outcomes: {daemon.events()}")
    assert daemon.stop() == 0
    assert [e["event"] for e in daemon.events(id="moved")] == ["accepted", "parked", "fallback", "delivered"]
    assert daemon.events("delivered", "moved")[0]["channel"] == "email"
    assert (tmp_path / "mail" / "moved.json").exists()
    assert [e["event"] for e in daemon.events(id="gone")][-1] == "expired"


def test_a_stream_cut_before_the_ack_gets_the_message_again_and_it_is_delivered_once(make_daemon):
    daemon, base = chat_daemon(make_daemon)
    daemon.start()
    first = EventStream(base, sign("v-eve"))
    drop(daemon.spool, "again", chat_message("again", "v-eve"))
    event = first.next_event()
    first.close()  # the tab was closed before it could ack
    second = EventStream(base, sign("v-eve"), last_event_id=event["id"])
    replayed = second.next_event()
    assert replayed["data"]["id"] == "again" and replayed["id"] == event["id"], (event, replayed)
    assert post(base, "ack", sign("v-eve") | {"id": "again"}) == 204
    assert post(base, "ack", sign("v-eve") | {"id": "again"}) == 204, "a repeated ack is harmless"
    wait_for(lambda: daemon.events("delivered", "again"), 30, "delivered")
    time.sleep(0.5)
    second.close()
    assert daemon.stop() == 0
    assert len(daemon.events("delivered", "again")) == 1


def test_bad_expired_and_missing_signatures_get_403(make_daemon):
    daemon, base = chat_daemon(make_daemon)
    daemon.start()
    good = sign("v-fay")
    bad = good | {"sig": "0" * 64}
    expired = sign("v-fay", exp=int(time.time()) - 10)
    for auth in (bad, expired, {"visitor": "v-fay"}, {}):
        query = "&".join(f"{k}={v}" for k, v in auth.items())
        assert get_status(f"{base}/v1/stream?{query}") == 403, auth
    assert post(base, "ack", bad | {"id": "x"}) == 403
    assert post(base, "reply", expired | {"text": "hi"}) == 403
    assert post(base, "reply", good | {"text": "hi"}, origin="https://evil.example") == 403
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    # A refused WebSocket upgrade is answered by the WebSocket library (400: no 101); the plain GET says 403.
    assert get_status(f"{base}/v1/ws?" + "&".join(f"{k}={v}" for k, v in bad.items()), upgrade) == 400
    assert get_status(f"{base}/v1/ws?" + "&".join(f"{k}={v}" for k, v in bad.items())) == 403
    assert get_status(f"{base}/v1/ws?" + "&".join(f"{k}={v}" for k, v in good.items())) == 426, "a GET that is no upgrade"
    assert get_status(f"{base}/v1/widget.js") == 200
    assert get_status(f"{base}/v1/demo") == 404, "the demo page is off unless enabled"
    assert daemon.stop() == 0
    assert "v-fay" not in daemon.stderr(), "a refused visitor id appears in clear"
    assert "refused: bad signature" in daemon.stderr()


def test_a_reply_reaches_the_callbacks_with_its_text_and_the_log_only_its_length(make_daemon, make_receiver):
    callbacks = make_receiver({"default": 200})
    daemon, base = chat_daemon(make_daemon, callbacks={"url": callbacks.url + "/events", "batch": 1})
    daemon.start()
    text = "Yes please, hold size M for me"
    assert post(base, "reply", sign("v-gus") | {"text": text, "conversation": "hold-m"}) == 204

    def replies():
        return [e for r in callbacks.requests() for e in json.loads(r["body"])["data"]["events"] if e["event"] == "reply"]

    wait_for(lambda: replies(), 30, lambda: f"a reply callback: {callbacks.requests()}")
    assert daemon.stop() == 0
    [reply] = replies()
    assert reply["text"] == text and reply["conversation"] == "hold-m" and reply["channel"] == "chat"
    assert reply["to"] != "v-gus"
    [logged] = daemon.events("reply")
    assert logged["length"] == len(text) and "text" not in logged
    assert text not in daemon.log.read_text() and "v-gus" not in daemon.log.read_text()


def test_a_chat_message_counts_against_the_same_cap_as_email(make_daemon, tmp_path):
    """max 1 per 4 h across channels: a chat message delivered (acked) to a person, then an email to them, the email
    is capped; an email first, then a chat message to another person, the chat message is capped and never
    written to the stream."""
    channels = [chat_channel(), file_channel(tmp_path / "mail", name="email")]
    daemon, base = chat_daemon(make_daemon, channels, policy={"frequency_cap": [{"max": 1, "per": "4h"}]})
    daemon.start()
    stream = EventStream(base, sign("v-hana"))
    first = chat_message("chat-first", "v-hana")
    first["to"]["external_id"] = "u-hana"
    drop(daemon.spool, "chat-first", first)
    assert stream.next_event()["data"]["id"] == "chat-first"
    assert post(base, "ack", sign("v-hana") | {"id": "chat-first"}) == 204
    wait_for(lambda: daemon.events("delivered", "chat-first"), 30, "the chat message delivered")
    drop(daemon.spool, "mail-second", {"id": "mail-second", "channel": "email", "category": "marketing",
                                       "to": {"external_id": "u-hana", "email": "hana@example.com"},
                                       "content": {"subject": "Back in stock", "text": "Size M is back"}})
    wait_for(lambda: daemon.events("capped", "mail-second"), 30, lambda: f"email capped: {daemon.events()}")

    other = EventStream(base, sign("v-ivo"))
    drop(daemon.spool, "mail-first", {"id": "mail-first", "channel": "email", "category": "marketing",
                                      "to": {"external_id": "u-ivo", "email": "ivo@example.com"},
                                      "content": {"subject": "Hi", "text": "Hi"}})
    wait_for(lambda: daemon.events("delivered", "mail-first"), 30, "the email delivered")
    later = chat_message("chat-second", "v-ivo")
    later["to"]["external_id"] = "u-ivo"
    drop(daemon.spool, "chat-second", later)
    wait_for(lambda: daemon.events("capped", "chat-second"), 30, lambda: f"chat capped: {daemon.events()}")
    stream.close()
    assert daemon.stop() == 0
    try:
        event = other.next_event(timeout=0.5)
    except (TimeoutError, ConnectionError, OSError):
        event = None
    other.close()
    assert event is None, f"a capped message reached the stream: {event}"
