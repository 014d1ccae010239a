"""How webhook replies steer a message: transient retry, throttling, dead letters and requeue, credential pauses."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from herald_harness import drop, message, wait_for, webhook_channel


def ts(event):
    return datetime.fromisoformat(event["ts"].replace("Z", "+00:00")).timestamp()


def lifecycle(daemon, id):
    return [e["event"] for e in daemon.events(id=id)]


def test_503_then_200_is_delivered_on_attempt_2(make_daemon, make_receiver):
    """A 503 defers the message (with retry_at) and the retry delivers it on attempt 2."""
    receiver = make_receiver({"ids": {"t-503": [503]}})
    daemon = make_daemon([webhook_channel(receiver)]).start()
    drop(daemon.spool, "t-503", message("t-503"))

    wait_for(lambda: daemon.events("delivered", "t-503"), 30, "t-503 delivered")
    assert lifecycle(daemon, "t-503") == ["accepted", "deferred", "delivered"]
    deferred, delivered = daemon.events("deferred", "t-503")[0], daemon.events("delivered", "t-503")[0]
    assert deferred["code"] == "503" and deferred["attempt"] == 1 and deferred.get("retry_at")
    assert delivered["attempt"] == 2 and delivered["code"] == "200"
    assert [r["status"] for r in receiver.requests("t-503")] == [503, 200]


def test_429_retry_after_holds_the_message(make_daemon, make_receiver):
    """A 429 with Retry-After: 2 is logged `throttled` and the next attempt comes no sooner than ~2 s later."""
    receiver = make_receiver({"ids": {"t-429": [{"status": 429, "retry_after": "2"}]}})
    daemon = make_daemon([webhook_channel(receiver)]).start()
    drop(daemon.spool, "t-429", message("t-429"))
    wait_for(lambda: daemon.events("throttled", "t-429"), 30, "t-429 throttled")
    drop(daemon.spool, "t-held", message("t-held"))

    wait_for(lambda: daemon.events("delivered", "t-429") and daemon.events("delivered", "t-held"), 30, "both delivered")
    assert lifecycle(daemon, "t-429") == ["accepted", "throttled", "delivered"]
    throttled, delivered = daemon.events("throttled", "t-429")[0], daemon.events("delivered", "t-429")[0]
    assert throttled["code"] == "429" and throttled.get("retry_at")
    retry_at = datetime.fromisoformat(throttled["retry_at"].replace("Z", "+00:00")).timestamp()
    assert 1.9 <= retry_at - ts(throttled) <= 2.5
    first, second = receiver.requests("t-429")
    assert second["t"] - first["t"] >= 1.9, "Retry-After: 2 was not honoured"
    assert ts(delivered) - ts(throttled) >= 1.9
    # The hold is per channel: a message that arrived during it waited too.
    assert receiver.requests("t-held")[0]["t"] - first["t"] >= 1.9


def test_503_retry_after_is_honoured(make_daemon, make_receiver):
    """A 503 with Retry-After: 2 is deferred to ~2 s later, not to the (200 ms) backoff."""
    receiver = make_receiver({"ids": {"t-503ra": [{"status": 503, "retry_after": "2"}]}})
    daemon = make_daemon([webhook_channel(receiver)]).start()
    drop(daemon.spool, "t-503ra", message("t-503ra"))

    wait_for(lambda: daemon.events("delivered", "t-503ra"), 30, "t-503ra delivered")
    assert lifecycle(daemon, "t-503ra") == ["accepted", "deferred", "delivered"]
    first, second = receiver.requests("t-503ra")
    assert second["t"] - first["t"] >= 1.9


def test_400_dead_letter_and_requeue(make_daemon, make_receiver):
    """503, 503, 400 ends `failed` with failed/ID.json holding 3 attempts and the original; requeue delivers it."""
    receiver = make_receiver({"ids": {"t-400": [503, 503, 400]}})
    daemon = make_daemon([webhook_channel(receiver)]).start()
    original = drop(daemon.spool, "t-400", message("t-400", headers={"X-Campaign": "winter"}))

    wait_for(lambda: daemon.events("failed", "t-400"), 30, "t-400 failed")
    dead = daemon.spool / "failed" / "t-400.json"
    wait_for(dead.exists, 5, "failed/t-400.json")
    letter = json.loads(dead.read_text())
    assert letter["id"] == "t-400" and letter["failed_at"] and "400" in letter["reason"]
    assert letter["message"] == json.loads(original)
    assert [(a["attempt"], a["code"], a["event"]) for a in letter["attempts"]] == [
        (1, "503", "deferred"), (2, "503", "deferred"), (3, "400", "failed")]
    assert daemon.queue_counts().get(("webhook", "failed")) == 1

    result = daemon.cli("requeue", "t-400")
    assert result.returncode == 0, result.stderr
    assert not dead.exists(), "requeue must remove the dead letter"
    wait_for(lambda: daemon.events("delivered", "t-400"), 30, "t-400 delivered after requeue")
    assert lifecycle(daemon, "t-400") == ["accepted", "deferred", "deferred", "failed", "requeued", "delivered"]
    assert [r["status"] for r in receiver.requests("t-400")] == [503, 503, 400, 200]
    assert daemon.queue_counts() == {("webhook", "delivered"): 1}
    refused = daemon.cli("requeue", "t-400")
    assert refused.returncode != 0, "requeue of a delivered message must fail"
    assert lifecycle(daemon, "t-400").count("requeued") == 1


def test_410_pauses_the_channel_and_suppresses_nobody(make_daemon, make_receiver):
    """A webhook 410 says the endpoint is gone (Standard Webhooks: disable it), not the recipient: the channel
    logs `paused` with that reason, the message waits without spending its attempt, nobody is suppressed, and
    after `credentials_pause` the next try is delivered."""
    receiver = make_receiver({"ids": {"t-410": [410]}})
    daemon = make_daemon([webhook_channel(receiver, credentials_pause="2s")]).start()
    drop(daemon.spool, "t-410", message("t-410"))

    wait_for(lambda: daemon.events("delivered", "t-410"), 30, lambda: f"t-410 delivered: {daemon.events()}")
    assert lifecycle(daemon, "t-410") == ["accepted", "paused", "delivered"]
    [paused] = daemon.events("paused", "t-410")
    assert paused["detail"].startswith("destination gone") and paused["code"] == "410" and paused.get("retry_at")
    [delivered] = daemon.events("delivered", "t-410")
    assert delivered["attempt"] == 1, "the paused attempt is not counted"
    assert len(receiver.requests("t-410")) == 2
    assert daemon.cli("suppress", "list").stdout.splitlines()[1:] == []
    assert not (daemon.spool / "failed" / "t-410.json").exists()
    assert "destination gone" in daemon.stderr()


def test_transient_errors_stop_at_expires_at(make_daemon, make_receiver):
    """A message that keeps getting 503 ends `expired` once its expires_at is near, instead of retrying on."""
    receiver = make_receiver({"ids": {"t-exp": [503] * 100}})
    daemon = make_daemon([webhook_channel(receiver)]).start()
    expires = datetime.now(timezone.utc) + timedelta(seconds=2)
    drop(daemon.spool, "t-exp", message("t-exp", expires_at=expires.isoformat(timespec="milliseconds")))

    wait_for(lambda: daemon.events("expired", "t-exp"), 15, "t-exp expired")
    assert set(lifecycle(daemon, "t-exp")) == {"accepted", "deferred", "expired"}
    requests = receiver.requests("t-exp")
    assert len(requests) >= 2 and all(r["t"] < expires.timestamp() + 0.5 for r in requests)
    assert not (daemon.spool / "failed" / "t-exp.json").exists()


def test_transient_errors_give_up_after_max_age(make_daemon, make_receiver):
    """With retry.max_age = 2s, a message that only ever gets 503 is failed and dead-lettered after ~2 s."""
    receiver = make_receiver({"ids": {"t-age": [503] * 100}})
    daemon = make_daemon([webhook_channel(receiver)], retry={"max_age": "2s"}).start()
    drop(daemon.spool, "t-age", message("t-age"))

    wait_for(lambda: daemon.events("failed", "t-age"), 15, "t-age failed")
    dead = json.loads((daemon.spool / "failed" / "t-age.json").read_text())
    assert len(dead["attempts"]) == len(receiver.requests("t-age")) >= 2
    assert dead["attempts"][-1]["event"] == "failed"
    assert all(a["code"] == "503" for a in dead["attempts"])


@pytest.mark.parametrize("status", [401, 403])
def test_401_pauses_the_channel_and_keeps_the_message(make_daemon, make_receiver, status):
    """A 401/403 logs `paused`, holds the whole channel for credentials_pause, then the message is delivered."""
    receiver = make_receiver({"ids": {"t-401": [status]}})
    daemon = make_daemon([webhook_channel(receiver, credentials_pause="1s")]).start()
    drop(daemon.spool, "t-401", message("t-401"))
    wait_for(lambda: daemon.events("paused", "t-401"), 30, "t-401 paused")
    drop(daemon.spool, "t-after", message("t-after"))

    wait_for(lambda: daemon.events("delivered", "t-401") and daemon.events("delivered", "t-after"), 30,
             "both delivered")
    paused = daemon.events("paused", "t-401")[0]
    assert paused["code"] == str(status) and paused.get("retry_at")
    assert lifecycle(daemon, "t-401") == ["accepted", "paused", "delivered"]
    assert daemon.events("delivered", "t-401")[0]["attempt"] == 1, "a credentials hold must not count as an attempt"
    first, second = receiver.requests("t-401")
    assert second["t"] - first["t"] >= 0.9, "credentials_pause = 1s was not honoured"
    # The pause is per channel: a message that arrived during it waited too.
    assert receiver.requests("t-after")[0]["t"] - first["t"] >= 0.9
