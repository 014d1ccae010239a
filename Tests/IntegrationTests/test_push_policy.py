"""The sending policy counts push like any channel: a frequency cap counts the person's push and email messages
together, whichever comes first, and quiet hours hold marketing push in the recipient's zone. A held or capped
push never reaches the push service."""
from datetime import datetime, timedelta, timezone

from herald_harness import drop, file_channel, message, wait_for
from test_push_apns import apns_channel, push_message, token


def person_push(id, device, **fields):
    body = push_message(id, [device], **fields)
    body["to"]["external_id"] = "u-shared"
    return body


def person_email(id, **fields):
    return message(id, channel="email", to={"external_id": "u-shared", "email": "ana@example.com"},
                   content={"subject": "Back in stock", "text": "Your size is here"}, **fields)


def test_a_cap_of_one_per_four_hours_counts_push_and_email_together(make_daemon, push_peer, tmp_path):
    """max 1 per 4 h: push first, then email to the same person, the email is capped; email first, then push to
    another person, the push is capped and never sent. One message per person, whichever channel came first."""
    outbox = tmp_path / "outbox"
    daemon = make_daemon([apns_channel(push_peer), file_channel(outbox)],
                         policy={"frequency_cap": [{"max": 1, "per": "4h"}]}).start()
    device = token()
    drop(daemon.spool, "push-first", person_push("push-first", device))
    wait_for(lambda: daemon.events("delivered", "push-first"), 30, "the push delivered")
    drop(daemon.spool, "email-second", person_email("email-second"))
    wait_for(lambda: daemon.events("capped", "email-second"), 30, lambda: f"email capped: {daemon.events()}")

    other = token()
    first = message("email-first", channel="email", to={"external_id": "u-other", "email": "bo@example.com"},
                    content={"subject": "Hi", "text": "Hi"})
    drop(daemon.spool, "email-first", first)
    wait_for(lambda: daemon.events("delivered", "email-first"), 30, "the email delivered")
    later = push_message("push-second", [other])
    later["to"]["external_id"] = "u-other"
    drop(daemon.spool, "push-second", later)
    wait_for(lambda: daemon.events("capped", "push-second"), 30, lambda: f"push capped: {daemon.events()}")
    assert daemon.stop() == 0

    assert sorted(daemon.ids("delivered")) == ["email-first", "push-first"]
    assert sorted(p.name for p in outbox.iterdir()) == ["email-first.json"]
    sent = [r["path"].rsplit("/", 1)[1] for r in push_peer.requests("apns")]
    assert sent == [device], "the capped push reached the push service"


def quiet_window_around_now(offset_minutes):
    local = datetime.now(timezone.utc) + timedelta(minutes=offset_minutes)
    return (local - timedelta(hours=1)).strftime("%H:%M"), (local + timedelta(hours=2)).strftime("%H:%M")


def test_quiet_hours_hold_marketing_push_in_the_recipients_zone(make_daemon, push_peer):
    """Inside the recipient's quiet hours (Asia/Kathmandu) a marketing push waits (`quiet_hours`, deferred, not
    sent); a transactional push and one to a recipient in another zone go now."""
    start, end = quiet_window_around_now(5 * 60 + 45)
    daemon = make_daemon([apns_channel(push_peer)],
                         policy={"quiet_hours": {"start": start, "end": end}, "quiet_jitter": "1s"}).start()
    tokens = {name: token() for name in ("quiet", "receipt", "elsewhere")}
    zones = {"quiet": "Asia/Kathmandu", "receipt": "Asia/Kathmandu", "elsewhere": "America/Los_Angeles"}
    for name, device in tokens.items():
        body = push_message(name, [device], category="transactional" if name == "receipt" else "marketing")
        body["to"]["timezone"] = zones[name]
        drop(daemon.spool, name, body)
    wait_for(lambda: daemon.events("quiet_hours", "quiet") and len(daemon.events("delivered")) == 2, 30,
             lambda: f"outcomes: {daemon.events()}")
    assert daemon.stop() == 0
    assert sorted(daemon.ids("delivered")) == ["elsewhere", "receipt"]
    assert daemon.queue_counts().get(("push", "deferred")) == 1
    sent = {r["path"].rsplit("/", 1)[1] for r in push_peer.requests("apns")}
    assert sent == {tokens["receipt"], tokens["elsewhere"]}
