"""Dead destinations (DESIGN §6): an outage costs one probe per interval, not a failed attempt per queued message,
and everything queued behind it is delivered exactly once when it ends. The bound on requests: after the first
5 s (in which the lane's first window of deliveries fails and `dead_after` trips), one probe per interval, the
interval doubling from retry.min = 1 s to retry.max = 5 s: 1 + 2 + 4 + 5 + 5 … ≈ 10 probes in 40 s; 40 leaves room
for slow machines without letting a per-message retry storm (thousands) pass."""
import collections
import time

from herald_harness import drop, message, smtp_channel, wait_for, webhook_channel

QUEUED = 1000
OUTAGE = 40
RETRY = {"min": "1s", "max": "5s", "max_age": "1h"}


def queue_and_start(make_daemon, channels, ids, make_message):
    daemon = make_daemon(channels, retry=RETRY)
    for sub in ("incoming", "tmp"):
        (daemon.spool / sub).mkdir(parents=True, exist_ok=True)
    for id in ids:
        drop(daemon.spool, id, make_message(id))
    return daemon.start()


def assert_delivered_once(daemon, receiver, ids):
    wait_for(lambda: len(set(daemon.ids("delivered"))) == len(ids), 120,
             lambda: f"all delivered ({len(set(daemon.ids('delivered')))} of {len(ids)})")
    delivered = collections.Counter(r["id"] for r in receiver.requests() if r["status"] == 200)
    assert set(delivered) == set(ids) and max(delivered.values()) == 1, "not delivered exactly once"
    assert not daemon.events("failed")


def test_a_503_outage_costs_a_probe_per_interval(make_daemon, make_receiver):
    receiver = make_receiver({"default": 503})
    ids = [f"out-{n:04d}" for n in range(QUEUED)]
    daemon = queue_and_start(make_daemon, [webhook_channel(receiver)], ids, message)
    first = wait_for(lambda: receiver.requests() and receiver.requests()[0]["t"], 30, "the first request")
    wait_for(lambda: daemon.events("destination_down"), 30, "destination_down")
    shown = wait_for(lambda: "DOWN DESTINATION" in (q := daemon.cli("queue").stdout) and q, 10, "herald queue shows it")
    assert any(line.split()[:2] == ["webhook", "webhook"] for line in shown.splitlines()), shown
    time.sleep(max(0.0, first + OUTAGE - time.time()))
    receiver.set_plan({"default": 200})
    during = [r for r in receiver.requests() if first + 5 <= r["t"] < first + OUTAGE]
    print(f"\n{len(receiver.requests())} requests during the outage, {len(during)} after its first 5 s")
    assert len(during) <= 40, f"{len(during)} requests after the first 5 s of the outage"

    assert_delivered_once(daemon, receiver, ids)
    [down] = daemon.events("destination_down")
    assert down["destination"] == "webhook" and down["code"] == "503" and down.get("retry_at")
    up = daemon.events("destination_up")
    assert [e["destination"] for e in up] == ["webhook"]
    # Held back behind the outage, the messages did not spend their attempts: only the first window and the
    # probes (real deliveries of queued messages) did.
    spent = [e for e in daemon.events("delivered") if e["attempt"] > 1]
    assert len(spent) <= 64 + 40, f"{len(spent)} messages spent attempts"
    assert sum(e["attempt"] - 1 for e in spent) <= len(receiver.requests()) - QUEUED
    assert daemon.stop() == 0


def test_a_refused_connection_outage_costs_a_probe_per_interval(make_daemon, make_receiver, tmp_path):
    receiver = make_receiver()
    port = receiver.port
    receiver.stop()
    ids = [f"ref-{n:04d}" for n in range(QUEUED)]
    daemon = queue_and_start(make_daemon, [webhook_channel(receiver)], ids, message)
    started = time.time()
    wait_for(lambda: daemon.events("destination_down"), 30, "destination_down")
    [down] = daemon.events("destination_down")
    assert down["code"].startswith("curl:")
    transient = lambda: [e for e in daemon.events() if e["event"] == "deferred"]
    time.sleep(5)
    early = len(transient())
    time.sleep(max(0.0, started + OUTAGE - time.time()))
    late = len(transient()) - early
    print(f"\n{early} failed attempts in the first 5 s, {late} after")
    assert late <= 40, f"{late} connection attempts after the first 5 s of the outage"

    back = make_receiver(port=port, root=tmp_path / "receiver-back")
    assert_delivered_once(daemon, back, ids)
    assert [e["destination"] for e in daemon.events("destination_up")] == ["webhook"]
    assert daemon.stop() == 0


def test_an_smtp_domain_down_while_others_flow(make_daemon, make_smtp):
    """With domain_rate set, each recipient domain is a destination: one that keeps answering 450 goes down on its
    own, with a probe per interval, while mail to another domain is delivered."""
    peer = make_smtp()
    channel = smtp_channel(peer.url, default_domain_rate="1000/s", dead_after=5)
    down_ids = [f"dn-{n:03d}" for n in range(200)]
    daemon = queue_and_start(
        make_daemon, [channel], down_ids,
        lambda id: message(id, channel="email", to={"email": "r450@down.example"}))
    wait_for(lambda: daemon.events("destination_down"), 30, lambda: f"destination_down: {daemon.events()[-3:]}")
    [down] = daemon.events("destination_down")
    assert down["destination"] == "down.example" and down["code"] == "450"
    up_ids = [f"up-{n:03d}" for n in range(200)]
    for id in up_ids:
        drop(daemon.spool, id, message(id, channel="email", to={"email": f"{id}@up.example"}))
    wait_for(lambda: set(up_ids) <= set(daemon.ids("delivered")), 60, "up.example delivered")
    before = len([e for e in daemon.events("deferred")])
    time.sleep(8)
    after = len([e for e in daemon.events("deferred")])
    # 1 s, 2 s, 4 s probes: a handful of attempts, not one per queued message.
    assert after - before <= 6, f"{after - before} attempts to the down domain in 8 s"
    assert not daemon.events("destination_down")[1:], "only down.example went down"
    assert not any(e["id"].startswith("up-") for e in daemon.events("deferred"))
    counts = daemon.queue_counts()
    assert counts.get(("email", "delivered")) == len(up_ids)
    assert daemon.stop() == 0
