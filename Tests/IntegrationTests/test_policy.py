"""The sending policy end to end: suppression (CLI, automatic from 550 5.1.1, one-click POST), fallback
chains, quiet hours, frequency caps, and the embedded HTTP endpoint's /metrics read by a Prometheus parser."""
import email
import email.policy
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from prometheus_client.parser import text_string_to_metric_families

from herald_harness import drop, file_channel, free_port, message, smtp_channel, wait_for, webhook_channel

SECRET = "k3y-for-unsubscribe-tokens-0123456789"
SECRET_WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the receiver peer verifies with this one


def mail(id, to, category="marketing", **fields):
    return message(id, channel="email", to={"email": to, "timezone": fields.pop("tz", "UTC")}, category=category,
                   content={"subject": f"Hello {id}", "text": "Hi"}, **fields)


def test_cli_suppression_marketing_and_transactional(make_daemon, make_smtp):
    """`herald suppress add` (unsubscribed) stops marketing but not transactional mail; hard_bounce stops both."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url)])
    assert daemon.cli("suppress", "add", "--reason", "unsubscribed", "Unsub@Example.net").returncode == 0
    assert daemon.cli("suppress", "add", "--reason", "hard_bounce", "bounced@example.net").returncode == 0
    listed = daemon.cli("suppress", "list")
    assert "unsub@example.net\tunsubscribed" in listed.stdout and "bounced@example.net\thard_bounce" in listed.stdout
    daemon.start()
    drop(daemon.spool, "m1", mail("m1", "unsub@example.net"))
    drop(daemon.spool, "t1", mail("t1", "UNSUB@example.net", category="transactional"))
    drop(daemon.spool, "t2", mail("t2", "bounced@example.net", category="transactional"))
    drop(daemon.spool, "ok", mail("ok", "fine@example.net"))
    wait_for(lambda: len(daemon.events("suppressed")) == 2 and len(daemon.events("delivered")) == 2, 30,
             lambda: f"2 suppressed, 2 delivered: {daemon.events()}")
    assert sorted(daemon.ids("suppressed")) == ["m1", "t2"]
    assert sorted(r["rcpt_tos"][0].lower() for r in peer.received()) == ["fine@example.net", "unsub@example.net"]
    assert daemon.queue_counts().get(("email", "suppressed")) == 2
    assert daemon.cli("suppress", "remove", "unsub@example.net").returncode == 0
    assert daemon.cli("suppress", "remove", "never@example.net").returncode == 1
    assert daemon.stop() == 0


def test_auto_suppression_names_the_failed_address(make_daemon, make_smtp, make_receiver):
    """A 550 5.1.1 suppresses that email address, not the person: the next mail to the address ends `suppressed`
    (transactional too: a hard bounce stops everything), while the same person (external_id) is still reached on
    the webhook channel and at a new address."""
    peer = make_smtp()
    receiver = make_receiver()
    daemon = make_daemon([smtp_channel(peer.url), webhook_channel(receiver)]).start()
    person = {"external_id": "u-550", "timezone": "UTC"}
    drop(daemon.spool, "e1", mail("e1", "r550@example.net") | {"to": person | {"email": "r550@example.net"}})
    wait_for(lambda: daemon.events("failed", id="e1"), 30, lambda: f"e1 failed: {daemon.events()}")
    drop(daemon.spool, "e2", mail("e2", "R550@example.net", category="transactional"))
    drop(daemon.spool, "e3", mail("e3", "new@example.net") | {"to": person | {"email": "new@example.net"}})
    drop(daemon.spool, "w1", message("w1", to=person))
    wait_for(lambda: daemon.events("suppressed", id="e2") and daemon.events("delivered", id="e3")
             and daemon.events("delivered", id="w1"), 30, lambda: f"e2 suppressed, e3 and w1 delivered: {daemon.events()}")
    assert daemon.events("suppressed", id="e2")[0]["code"] == "hard_bounce"
    listed = [line.split("\t")[:3] for line in daemon.cli("suppress", "list").stdout.splitlines()[1:]]
    assert listed == [["email", "r550@example.net", "hard_bounce"]], listed
    assert daemon.stop() == 0


def test_fallback_chain_of_three(make_daemon, make_smtp, make_receiver, tmp_path):
    """email (550 5.1.1) → webhook (400) → file: two `fallback` events, delivered once, on the last channel only."""
    peer = make_smtp()
    receiver = make_receiver({"ids": {"chain": [400]}})
    outbox = tmp_path / "outbox"
    daemon = make_daemon([smtp_channel(peer.url), webhook_channel(receiver), file_channel(outbox, name="archive")])
    daemon.start()
    drop(daemon.spool, "chain", mail("chain", "r550@example.net", fallback=["webhook", "archive"]))
    wait_for(lambda: daemon.events("delivered", id="chain"), 30, lambda: f"delivered: {daemon.events()}")
    moves = daemon.events("fallback", id="chain")
    assert [(m["channel"], m["detail"].split(":")[0]) for m in moves] == [("email", "to webhook"), ("webhook", "to archive")]
    [delivered] = daemon.events("delivered", id="chain")
    assert delivered["channel"] == "archive"
    assert (outbox / "chain.json").exists()
    assert peer.received() == [] and len(receiver.requests("chain")) == 1
    assert not daemon.events("failed", id="chain")
    assert daemon.stop() == 0


def local_window_around_now(zone_offset_minutes):
    """A quiet window that contains the current minute in a zone with the given UTC offset: (start, end)."""
    local = datetime.now(timezone.utc) + timedelta(minutes=zone_offset_minutes)
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def test_quiet_hours_defer_marketing_in_the_recipients_zone(make_daemon, make_smtp, tmp_path):
    """Inside the recipient's quiet hours (Asia/Kathmandu, +05:45) marketing waits until the window ends, reported
    `quiet_hours`; transactional mail and recipients in a zone outside the window go now."""
    peer = make_smtp()
    start, end = local_window_around_now(5 * 60 + 45)
    daemon = make_daemon([smtp_channel(peer.url)], policy={"quiet_hours": {"start": start, "end": end},
                                                          "quiet_jitter": "1s"})
    daemon.start()
    drop(daemon.spool, "quiet", mail("quiet", "a@example.net", tz="Asia/Kathmandu"))
    drop(daemon.spool, "receipt", mail("receipt", "b@example.net", category="transactional", tz="Asia/Kathmandu"))
    drop(daemon.spool, "elsewhere", mail("elsewhere", "c@example.net", tz="America/Los_Angeles"))
    wait_for(lambda: daemon.events("quiet_hours", id="quiet") and len(daemon.events("delivered")) == 2, 30,
             lambda: f"outcomes: {daemon.events()}")
    [quiet] = daemon.events("quiet_hours", id="quiet")
    retry_at = datetime.fromisoformat(quiet["retry_at"].replace("Z", "+00:00"))
    expected_end = datetime.now(timezone.utc) + timedelta(hours=2)
    assert abs((retry_at - expected_end).total_seconds()) < 120, (quiet, expected_end)
    assert sorted(daemon.ids("delivered")) == ["elsewhere", "receipt"]
    assert daemon.queue_counts().get(("email", "deferred")) == 1
    assert daemon.stop() == 0


def test_frequency_cap_across_channels(make_daemon, make_smtp, tmp_path):
    """max = 1 per day per recipient, counted across channels (external_id): the second marketing message to the
    same person on another channel ends `capped`; transactional mail is not capped."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url), file_channel(tmp_path / "out", name="archive")],
                         policy={"frequency_cap": [{"max": 1, "per": "1d"}]})
    daemon.start()
    person = {"email": "ana@example.net", "external_id": "u-42"}
    drop(daemon.spool, "first", message("first", channel="email", to=person, content={"subject": "A", "text": "a"}))
    wait_for(lambda: daemon.events("delivered", id="first"), 30, "the first message")
    drop(daemon.spool, "second", message("second", channel="archive", to=person, content={"subject": "B", "text": "b"}))
    drop(daemon.spool, "receipt", message("receipt", channel="archive", to=person, category="transactional",
                                          content={"subject": "R", "text": "r"}))
    wait_for(lambda: daemon.events("capped", id="second") and daemon.events("delivered", id="receipt"), 30,
             lambda: f"capped and receipt: {daemon.events()}")
    assert daemon.queue_counts().get(("archive", "capped")) == 1
    assert daemon.stop() == 0


def test_frequency_cap_counts_a_message_still_in_flight(make_daemon, make_receiver, tmp_path):
    """max = 1 per day: while the first marketing message is still being sent on one channel (a receiver that
    answers after 5 s), a second to the same person on another channel is held (`capped` with a retry_at: it is
    over the cap only through a message whose outcome is not known yet). The first then fails (400), which frees
    its place: a third goes out."""
    receiver = make_receiver({"ids": {"slow": [400]}}, delay_ms=5000)
    outbox = tmp_path / "out"
    daemon = make_daemon([webhook_channel(receiver), file_channel(outbox, name="archive")],
                         policy={"frequency_cap": [{"max": 1, "per": "1d"}]})
    daemon.start()
    person = {"external_id": "u-7", "email": "u7@example.net"}
    content = {"subject": "S", "text": "t", "title": "T", "body": "b"}
    drop(daemon.spool, "slow", message("slow", channel="webhook", to=person, content=content))
    wait_for(lambda: daemon.queue_counts().get(("webhook", "inflight")) == 1, 30, "the first message in flight")
    drop(daemon.spool, "second", message("second", channel="archive", to=person, content=content))
    wait_for(lambda: daemon.events("capped", id="second"), 30, lambda: f"second capped: {daemon.events()}")
    [held] = daemon.events("capped", id="second")
    assert held.get("retry_at"), f"over the cap only through a message in flight, it waits: {held}"
    assert daemon.queue_counts().get(("archive", "deferred")) == 1

    wait_for(lambda: daemon.events("failed", id="slow"), 30, lambda: f"slow failed: {daemon.events()}")
    [answered] = receiver.requests("slow")
    held_at = datetime.fromisoformat(held["ts"].replace("Z", "+00:00")).timestamp()
    assert held_at < answered["t"], "the second was held while the first was still in flight"
    drop(daemon.spool, "third", message("third", channel="archive", to=person, content=content))
    wait_for(lambda: daemon.events("delivered", id="third"), 30, lambda: f"third delivered: {daemon.events()}")
    assert sorted(p.name for p in outbox.iterdir()) == ["third.json"]
    assert daemon.stop() == 0


def test_frequency_cap_holds_across_a_restart(make_daemon, make_smtp):
    """Sends counted for caps wait in memory before they are written; a graceful stop writes them, so the cap
    still binds after the restart."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url)], policy={"frequency_cap": [{"max": 1, "per": "1d"}]})
    daemon.start()
    drop(daemon.spool, "first", mail("first", "ana@example.net"))
    wait_for(lambda: daemon.events("delivered", id="first"), 30, "the first message")
    assert daemon.stop() == 0
    daemon.start()
    drop(daemon.spool, "second", mail("second", "ana@example.net"))
    wait_for(lambda: daemon.events("capped", id="second"), 30, lambda: f"second capped: {daemon.events()}")
    assert len(peer.received()) == 1
    assert daemon.stop() == 0


def test_one_click_unsubscribe_then_suppressed_and_metrics(make_daemon, make_smtp):
    """The List-Unsubscribe URL of a delivered message is POSTed as a mailbox provider would (RFC 8058); GET only
    shows a page; the address is suppressed; the next marketing message to it ends `suppressed`. /metrics parses
    with prometheus_client and counts the events; /healthz and /readyz answer."""
    peer = make_smtp()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    daemon = make_daemon([smtp_channel(peer.url, unsubscribe_url=base + "/u", unsubscribe_secret=SECRET)],
                         http={"listen": f"127.0.0.1:{port}"})
    daemon.start()
    drop(daemon.spool, "promo1", mail("promo1", "Siti@Example.my", campaign="winback"))
    wait_for(lambda: daemon.events("delivered", id="promo1"), 30, "the first promotion")
    parsed = email.message_from_bytes(peer.received()[0]["raw"], policy=email.policy.default)
    url = str(parsed["List-Unsubscribe"]).split(",")[0].strip().strip("<>")
    assert url.startswith(base + "/u/")

    page = urllib.request.urlopen(url, timeout=10)
    assert page.status == 200 and b"<form" in page.read()
    assert "siti" not in daemon.cli("suppress", "list").stdout, "a GET must not unsubscribe"
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert urllib.request.urlopen(request, timeout=10).status == 200
    assert "siti@example.my\tunsubscribed" in daemon.cli("suppress", "list").stdout
    forged = urllib.request.Request(url[:-3] + "AAA", data=b"List-Unsubscribe=One-Click", method="POST")
    try:
        urllib.request.urlopen(forged, timeout=10)
        raise AssertionError("a forged token was accepted")
    except urllib.error.HTTPError as error:
        assert 400 <= error.code < 500

    drop(daemon.spool, "promo2", mail("promo2", "siti@example.my", campaign="winback"))
    wait_for(lambda: daemon.events("suppressed", id="promo2"), 30, lambda: f"promo2 suppressed: {daemon.events()}")
    assert len(peer.received()) == 1

    assert urllib.request.urlopen(base + "/healthz", timeout=10).status == 200
    assert urllib.request.urlopen(base + "/readyz", timeout=10).status == 200
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("herald_events_total", (("channel", "email"), ("event", "delivered")))] == 1
    assert samples[("herald_events_total", (("channel", "email"), ("event", "suppressed")))] == 1
    assert any(name.startswith("herald_delivery_latency_seconds") for name, _ in samples)
    assert daemon.stop() == 0


def test_adaptive_concurrency_rises_with_success_and_falls_on_throttling(make_daemon, make_receiver):
    """adaptive_concurrency: sustained success raises the channel's concurrency from its start (4) towards the
    configured maximum; 429s cut it. `herald queue` and /metrics show the current value. The receiver answers
    after 20 ms, so the latency baseline is well above the scheduling jitter of a busy test machine (against a
    1 ms baseline, jitter alone reads as rising latency and the limit rightly holds)."""
    receiver = make_receiver(delay_ms=20)
    port = free_port()
    daemon = make_daemon([webhook_channel(receiver, concurrency=64, adaptive_concurrency=True)],
                         http={"listen": f"127.0.0.1:{port}"})
    daemon.start()

    def limit():
        out = daemon.cli("queue").stdout
        rows = [line.split() for line in out.splitlines() if line.startswith("webhook ") and len(line.split()) == 3]
        return int(rows[0][1]) if rows else None

    for n in range(600):
        drop(daemon.spool, f"ok-{n}", message(f"ok-{n}"))
    wait_for(lambda: len(daemon.events("delivered")) == 600, 60, "600 delivered")
    risen = wait_for(lambda: (limit() or 0) > 4 and limit(), 20, lambda: f"a raised limit: {daemon.cli('queue').stdout}")
    receiver.set_plan({"default": {"status": 429, "retry_after": "1"}})
    for n in range(40):
        drop(daemon.spool, f"busy-{n}", message(f"busy-{n}"))
    wait_for(lambda: len(daemon.events("throttled")) >= 3, 30, "throttled outcomes")
    wait_for(lambda: (limit() or risen) < risen, 20, lambda: f"a cut below {risen}: {daemon.cli('queue').stdout}")
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    gauges = {s.labels.get("channel"): s.value for family in text_string_to_metric_families(text)
              for s in family.samples if s.name == "herald_channel_concurrency"}
    assert 1 <= gauges["webhook"] < risen
    daemon.kill()


def test_status_callbacks_signed_batched_at_least_once(make_daemon, make_receiver, tmp_path):
    """[callbacks]: delivery events reach the upstream receiver as signed Standard Webhooks batches (verified by
    the standardwebhooks package); a batch refused with 503 comes again under the same webhook-id until accepted,
    and every delivered event arrives. `herald stats` counts from the state store."""
    callbacks = make_receiver({"default": 503})
    daemon = make_daemon([file_channel(tmp_path / "out", name="email")],
                         callbacks={"url": callbacks.url + "/events", "secret": SECRET_WHSEC, "batch": 4,
                                    "events": ["delivered", "suppressed"]})
    daemon.start()
    for n in range(6):
        drop(daemon.spool, f"cb-{n}", message(f"cb-{n}", channel="email", campaign="spring"))
    wait_for(lambda: len(callbacks.requests()) >= 2, 30, "refused callback attempts")
    callbacks.set_plan({"default": 200})

    def accepted_delivered():
        return [e["id"] for r in callbacks.requests() if r["status"] == 200
                for e in json.loads(r["body"])["data"]["events"] if e["event"] == "delivered"]

    wait_for(lambda: len(accepted_delivered()) >= 6, 60,
             lambda: f"accepted batches: {[(r['id'], r['status']) for r in callbacks.requests()]}")
    requests = callbacks.requests()
    assert all(r["verified"] for r in requests), [r["error"] for r in requests]
    first_id = requests[0]["id"]
    assert [r["status"] for r in requests if r["id"] == first_id][-1] == 200, "the refused batch is sent again"
    assert len({r["id"] for r in requests if r["status"] == 200}) == len([r for r in requests if r["status"] == 200])
    assert sorted(accepted_delivered()) == sorted(f"cb-{n}" for n in range(6)), "each event accepted exactly once"
    assert all(json.loads(r["body"])["type"] == "herald.events" for r in requests)
    stats = daemon.cli("stats", "--by", "campaign")
    assert stats.returncode == 0, stats.stderr
    header, *rows = stats.stdout.splitlines()
    columns = header.split()
    spring = dict(zip(columns[1:], next(r.split()[1:] for r in rows if r.startswith("spring"))))
    assert spring["accepted"] == "6" and spring["delivered"] == "6"
    assert daemon.stop() == 0


def test_bad_policy_input_is_refused_with_its_key(make_daemon, tmp_path):
    """`herald check` names the key of a malformed cap, a bad quiet window, an unknown fallback channel and a bad
    listen address; at intake, a bad time zone and an unknown fallback channel are rejected with their field."""
    bad = [({"policy": {"frequency_cap": [{"max": 0, "per": "1d"}]}}, "frequency_cap"),
           ({"policy": {"frequency_cap": [{"per": "1d"}]}}, "frequency_cap"),
           ({"policy": {"quiet_hours": {"start": "25:00", "end": "08:00"}}}, "quiet_hours"),
           ({"policy": {"default_timezone": "Mars/Olympus_Mons"}}, "default_timezone"),
           ({"http": {"listen": "localhost"}}, "listen")]
    for n, (tables, key) in enumerate(bad):
        daemon = make_daemon([file_channel(tmp_path / "out")], root=tmp_path / f"bad{n}", **tables)
        result = daemon.cli("check")
        assert result.returncode == 78 and key in result.stderr, (tables, result.stderr)
    daemon = make_daemon([file_channel(tmp_path / "out") | {"fallback": ["nowhere"]}], root=tmp_path / "badfb")
    result = daemon.cli("check")
    assert result.returncode == 78 and "fallback" in result.stderr and "nowhere" in result.stderr, result.stderr

    daemon = make_daemon([file_channel(tmp_path / "out")], root=tmp_path / "intake").start()
    drop(daemon.spool, "tz", message("tz", channel="email", to={"email": "a@example.net", "timezone": "Asia/Atlantis"}))
    drop(daemon.spool, "fb", message("fb", channel="email", fallback=["carrier-pigeon"]))
    wait_for(lambda: len(daemon.events("rejected")) == 2, 30, "two rejections")
    errors = {name: json.loads((daemon.spool / "rejected" / f"{name}.error.json").read_text()) for name in ("tz", "fb")}
    assert errors["tz"]["field"] == "to.timezone" and errors["fb"]["field"].startswith("fallback"), errors
    assert daemon.stop() == 0
