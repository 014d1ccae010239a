"""Shared policy on `[database]`: three daemons, separate processes with their own spools on one private
PostgreSQL, behave as one sender. A frequency cap of 1 per recipient per day holds across them (the check and the
count are one statement), and a channel rate holds for the cluster, within the bound the README documents
(`rate × w + (hosts + 1) × chunk` in any window of w seconds, a chunk being a tenth of a second of the rate).
`herald stats` then shows the cluster's counts, with a row per host."""
import time
from collections import Counter

import pytest

from database_harness import cluster, password, with_database  # noqa: F401 (fixtures)
from herald_harness import drop, message, wait_for, webhook_channel


def start_hosts(make_daemon, receiver, cluster, password, tmp_path, count=3, channel=None, **options):
    hosts = [with_database(make_daemon([webhook_channel(receiver, **(channel or {}))],
                                       root=tmp_path / f"h{n}", recipients="masked", **options),
                           cluster, password, f"h{n}") for n in range(count)]
    for host in hosts:
        host.start()
    return hosts


def test_a_cluster_wide_cap_of_one_per_day_holds_across_hosts(make_daemon, make_receiver, cluster, password, tmp_path):
    """300 people, each sent three marketing messages at once, one through each host: every person gets exactly
    one, and the other two end `capped` on whichever host claimed them."""
    receiver = make_receiver({"default": 200})
    hosts = start_hosts(make_daemon, receiver, cluster, password, tmp_path, channel={"concurrency": 16},
                        policy={"frequency_cap": [{"max": 1, "per": "1d"}]})
    people = 300
    for k in range(people):
        for n, host in enumerate(hosts):
            id = f"p{k}-h{n}"
            drop(host.spool, id, message(id, to={"email": f"p{k}.{n}@example.com", "external_id": f"person-{k}"}))
    total = people * len(hosts)

    def ended():
        return sum(len(h.events("delivered")) + len(h.events("capped")) for h in hosts)
    wait_for(lambda: ended() == total, 180, lambda: f"every message delivered or capped: {ended()} of {total}", interval=1)
    sent = Counter(r["id"].split("-")[0] for r in receiver.requests() if r["status"] == 200)
    over = {person: n for person, n in sent.items() if n > 1}
    assert not over, f"{len(over)} people got more than one message: {sorted(over.items())[:10]}"
    assert len(sent) == people, f"{people - len(sent)} people got nothing"
    capped = [e for h in hosts for e in h.events("capped")]
    assert len(capped) == total - people and all("1 per 1d" in e.get("detail", "") for e in capped), capped[:3]
    assert sum(1 for h in hosts if h.events("delivered")) >= 2, "one host did all the sending: no contention tested"
    held = cluster.psql("SELECT count(*) FROM cap_history WHERE cardinality(sends) = 1", database="herald")
    assert held == str(people), f"one counted send per person in the shared history: {held}"
    for host in hosts:
        assert host.stop() == 0


# 1,000/s is the figure; at 250/s three unshared hosts (750/s) would break the bound even here, where three
# debug daemons on two cores send about 900/s in all, so that case shows the test can fail.
@pytest.mark.parametrize("rate,per_host", [(1000, 2000), (250, 500)])
def test_a_channel_rate_holds_for_the_cluster(make_daemon, make_receiver, cluster, password, tmp_path, rate, per_host):
    """The channel's `rate` on three hosts sending their share each: the receiver never sees more than the
    documented bound in any second, and the run takes at least as long as the rate allows. Unshared, each host
    would spend the whole rate of its own."""
    receiver = make_receiver({"default": 200})
    hosts = start_hosts(make_daemon, receiver, cluster, password, tmp_path,
                        channel={"concurrency": 32, "rate": f"{rate}/s"})
    for n, host in enumerate(hosts):
        for i in range(per_host):
            drop(host.spool, f"r{n}-{i}", message(f"r{n}-{i}"))
    total = per_host * len(hosts)

    def received():
        return sorted(r["t"] for r in receiver.requests() if r["status"] == 200)
    wait_for(lambda: len(received()) >= total, 180, lambda: f"all sent: {len(received())} of {total}", interval=1)
    times = received()
    chunk = rate // 10
    bound = rate * 1 + (len(hosts) + 1) * chunk
    busiest, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    span = times[-1] - times[0]
    print(f"{total} messages at rate {rate}/s across {len(hosts)} hosts: {span:.2f} s, busiest second {busiest}")
    assert busiest <= bound, f"{busiest} messages in one second, over the bound {bound}"
    assert span >= (total - bound) / rate, f"{total} messages in {span:.2f} s: faster than {rate}/s"
    assert all(h.events("delivered") for h in hosts), "every host sent a share"
    keys = cluster.psql("SELECT key FROM rate_budget", database="herald")
    assert keys == "channel:webhook", keys
    for host in hosts:
        assert host.stop() == 0
    # The stopped hosts wrote their last counts: `herald stats` shows the cluster's, then a row per host.
    result = hosts[0].cli("stats")
    shown = result.stdout
    assert result.returncode == 0, result.stderr
    assert any(line.split() == ["delivered", str(total)] for line in shown.splitlines()), shown
    by_host = {line.split()[0]: line.split() for line in shown.splitlines()[1:] if line.startswith("h")}
    header = next(line.split() for line in shown.splitlines() if line.startswith("HOST"))
    for n, host in enumerate(hosts):
        assert by_host[f"h{n}"][header.index("delivered")] == str(len(host.events("delivered"))), shown
    partitions = cluster.psql("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
                              "WHERE p.relname = 'stat_counter'", database="herald")
    assert int(partitions) >= 2, f"today's and tomorrow's day partitions: {partitions}"


def test_a_destination_down_for_one_host_is_down_for_all(make_daemon, make_receiver, cluster, password, tmp_path):
    """Host d0 finds the webhook down (503s until `dead_after` trips) and shares it: host d1, started after,
    holds every message back (d0's still queued and its own) without spending a window of failed requests of its
    own, and the cluster sends one probe per interval. When the receiver answers again, every message of both hosts is delivered once."""
    receiver = make_receiver({"default": 503})
    retry = {"min": "1s", "max": "5s", "max_age": "1h"}
    hosts = [with_database(make_daemon([webhook_channel(receiver)], root=tmp_path / f"d{n}", recipients="masked",
                                       retry=retry), cluster, password, f"d{n}") for n in range(2)]
    hosts[0].start()
    for i in range(200):
        drop(hosts[0].spool, f"a-{i}", message(f"a-{i}"))
    wait_for(lambda: hosts[0].events("destination_down"), 30, "d0 finds the destination down")
    # d1 starts now (on one queue, a host running earlier would have met the outage itself, in d0's messages).
    started = time.time()
    hosts[1].start()
    wait_for(lambda: "found by another host" in hosts[1].stderr(), 30, lambda: f"d1 adopts it: {hosts[1].stderr()[-2000:]}")
    for i in range(200):
        drop(hosts[1].spool, f"b-{i}", message(f"b-{i}"))
    wait_for(lambda: len(hosts[1].ids("accepted")) == 200, 30, "d1 took its messages in")
    time.sleep(max(0.0, started + 10 - time.time()))
    during = [r for r in receiver.requests() if r["t"] >= started]
    # The cluster's probes (intervals of 1, 2, 4, 5 s: about four in 10 s); d1 alone would first fail a window of 64.
    assert len(during) <= 12, f"{len(during)} requests while the destination was down: {[r['id'] for r in during]}"
    assert not hosts[1].events("destination_down"), "d1 found out for itself instead of adopting d0's finding"
    assert cluster.psql("SELECT destination FROM destination_down", database="herald") == "webhook"
    receiver.set_plan({"default": 200})
    ids = {f"a-{i}" for i in range(200)} | {f"b-{i}" for i in range(200)}
    wait_for(lambda: {i for h in hosts for i in h.ids("delivered")} == ids, 120,
             lambda: f"all delivered: {len({i for h in hosts for i in h.ids('delivered')})} of {len(ids)}")
    delivered = Counter(r["id"] for r in receiver.requests() if r["status"] == 200)
    assert set(delivered) == ids and max(delivered.values()) == 1, "not delivered exactly once"
    wait_for(lambda: cluster.psql("SELECT count(*) FROM destination_down", database="herald") == "0", 30,
             "up again for the cluster")
    for host in hosts:
        assert host.stop() == 0
