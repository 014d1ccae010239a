"""`[database]` against a private PostgreSQL cluster (Debian's postgresql, started by the test): `herald migrate`
applies the schema once, says "up to date" after, serializes hosts migrating together under its advisory lock, and
reports a refused login without the password. Three daemons with their own spools share one queue: every message
is delivered exactly once, except the ones in flight on a host killed with SIGKILL, which another host delivers
after their leases run out."""
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from database_harness import cluster, database_table, with_database  # noqa: F401 (a fixture)
from herald_harness import drop, file_channel, message, smtp_channel, wait_for, webhook_channel


def test_migrate_applies_once_under_its_lock(make_daemon, cluster, tmp_path):
    password = tmp_path / "db-password"
    password.write_text(cluster.password + "\n")
    daemon = make_daemon([file_channel(tmp_path / "out")])
    daemon.config.write_text(daemon.config.read_text() + "[database]\n" + "".join(
        f'{k} = "{v}"\n' for k, v in database_table(cluster, password).items()))

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: daemon.cli("migrate"), range(3)))
    assert all(r.returncode == 0 for r in results), [(r.stdout, r.stderr) for r in results]
    assert sum("applied 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11" in r.stdout for r in results) == 1, [r.stdout for r in results]
    assert sum("up to date" in r.stdout for r in results) == 2, [r.stdout for r in results]
    assert cluster.psql("SELECT version, name FROM herald_migration ORDER BY 1", database="herald") == "1|queue\n2|suppression\n3|caps\n4|rate budgets\n5|claim fencing\n6|cluster stats\n7|waiting indexes\n8|queue functions\n9|finished messages by day\n10|down destinations\n11|finished index"
    assert cluster.psql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('message', 'herald_host', 'suppression')",
        database="herald") == "3"
    assert "up to date (version 11)" in daemon.cli("migrate").stdout

    password.write_text("not-the-password\n")
    refused = daemon.cli("migrate")
    assert refused.returncode == 1 and "not-the-password" not in refused.stderr + refused.stdout, refused
    assert "password authentication failed" in refused.stderr and "28P01" in refused.stderr, refused.stderr


def test_migrate_without_a_database_says_so(make_daemon, tmp_path):
    daemon = make_daemon([file_channel(tmp_path / "out")])
    result = daemon.cli("migrate")
    assert result.returncode == 78 and "has no [database]" in result.stderr, result


def test_new_work_is_announced_and_a_finished_id_stays_known(make_daemon, cluster, tmp_path):
    """Intake NOTIFYs `herald_work` in the statement that inserts (delivered at commit), and every host LISTENs
    on a connection of its own, so an idle host hears of work another host took in: a hint, with the
    one-second poll as the fallback. Once delivered the message leaves the claim table, and another host still
    refuses its id as a duplicate."""
    password = tmp_path / "db-password"
    password.write_text(cluster.password + "\n")
    host = with_database(make_daemon([file_channel(tmp_path / "out")], root=tmp_path / "n0"), cluster, password, "n0")
    host.start()
    wait_for(lambda: cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%herald_work%'")
             == "1", 30, "the daemon listens for other hosts' work")
    listener = cluster.listen("herald_work", 4)
    time.sleep(1)
    drop(host.spool, "announced", message("announced", channel="email"))
    output, _ = listener.communicate(timeout=30)
    assert 'notification "herald_work" received' in output, output
    wait_for(lambda: host.events("delivered", id="announced"), 30, "delivered")
    # Finished, the message has left the claim table; its id is still known to every host (message_done).
    assert cluster.psql("SELECT count(*) FROM message", database="herald") == "0"
    other = with_database(make_daemon([file_channel(tmp_path / "out2")], root=tmp_path / "n1"), cluster, password, "n1")
    other.start()
    drop(other.spool, "again", message("announced", channel="email"))
    wait_for(lambda: other.events("duplicate", id="announced"), 30, lambda: f"a duplicate: {other.events()}")
    assert not (tmp_path / "out2" / "announced.json").exists()
    assert host.cli("queue").stdout.count("delivered") >= 1
    for daemon in (host, other):
        assert daemon.stop() == 0


def test_stats_and_finished_messages_past_their_retention_go_a_day_partition_at_a_time(make_daemon, cluster, tmp_path):
    """Cluster stats and finished messages are partitioned by day: the reaper host drops whole days older than
    `[stats] retain` and `dedup_window` instead of deleting rows, and keeps the ones inside them."""
    password = tmp_path / "db-password"
    password.write_text(cluster.password + "\n")
    host = with_database(make_daemon([file_channel(tmp_path / "out")], root=tmp_path / "r0"), cluster, password, "r0")
    assert host.cli("migrate").returncode == 0
    day = 86_400_000
    now = int(time.time() * 1000) // day * day
    old = now - 3 * day
    name = "stat_counter_d" + datetime.fromtimestamp(old / 1000, timezone.utc).strftime("%Y%m%d")
    cluster.psql(f"CREATE TABLE {name} PARTITION OF stat_counter FOR VALUES FROM ({old}) TO ({old + day})",
                 database="herald")
    cluster.psql(f"INSERT INTO stat_counter VALUES ({old}, 'r0', 'email', '', '', 'delivered', 5)", database="herald")
    done = name.replace("stat_counter", "message_done")
    cluster.psql(f"CREATE TABLE {done} PARTITION OF message_done FOR VALUES FROM ({old}) TO ({old + day})",
                 database="herald")
    cluster.psql(f"INSERT INTO message_done (id, channel, state, priority, created_at, attempts, host, finished_at) "
                 f"VALUES ('ancient', 'email', 'delivered', 0, {old}, 1, 'r0', {old})", database="herald")
    config = host.config.read_text().replace("[database]", '[stats]\nretain = "2d"\n\n[database]')
    host.config.write_text('dedup_window = "2d"\n' + config)
    host.start()

    def partitions(table="stat_counter"):
        return cluster.psql("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                            f"JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = '{table}' ORDER BY 1",
                            database="herald").split()
    wait_for(lambda: name not in partitions(), 30, lambda: f"the old day dropped: {partitions()}")
    wait_for(lambda: done not in partitions("message_done"), 30, lambda: f"the old finished day dropped: {partitions('message_done')}")
    # Past dedup_window its id is forgotten: the same id is a new message again.
    drop(host.spool, "ancient", message("ancient", channel="email"))
    wait_for(lambda: host.events("delivered", id="ancient"), 30, lambda: f"ancient delivered again: {host.events()}")
    drop(host.spool, "counted", message("counted", channel="email"))
    wait_for(lambda: host.events("delivered", id="counted"), 30, "delivered")
    assert host.stop() == 0
    assert len(partitions()) == 2, f"today's and tomorrow's partitions stay: {partitions()}"
    shown = host.cli("stats").stdout
    assert any(line.split() == ["delivered", "2"] for line in shown.splitlines()), shown


def delivered_ids(daemon):
    return [e["id"] for e in daemon.events("delivered")]


def test_three_hosts_share_one_queue_and_a_killed_hosts_work_is_taken_over(make_daemon, make_receiver, cluster, tmp_path):
    per_host = 10_000
    password = tmp_path / "db-password"
    password.write_text(cluster.password + "\n")
    receiver = make_receiver({"default": 200})
    hosts = [with_database(make_daemon([webhook_channel(receiver, concurrency=16)], root=tmp_path / f"h{n}",
                                       recipients="masked"), cluster, password, f"h{n}") for n in range(3)]
    for host in hosts:
        host.start()
    for n, host in enumerate(hosts):
        for i in range(per_host):
            drop(host.spool, f"m{n}-{i}", message(f"m{n}-{i}"))
    total = 3 * per_host
    everything = "(SELECT host, state FROM message UNION ALL SELECT host, state FROM message_done) AS every"
    wait_for(lambda: int(cluster.psql(f"SELECT count(*) FROM {everything}", database="herald") or 0) == total, 120,
             lambda: f"all accepted: {cluster.psql(f'SELECT host, state, count(*) FROM {everything} GROUP BY 1, 2', database='herald')}")

    def received():
        return [r["id"] for r in receiver.requests() if r["status"] == 200]

    wait_for(lambda: len(received()) >= total // 3, 120, lambda: f"a third delivered: {len(received())}", interval=1)
    victim = hosts[2]

    def leased_by_victim():
        return int(cluster.psql("SELECT count(*) FROM message WHERE state = 'inflight' AND lease_owner LIKE 'h2#%'",
                                database="herald"))
    # Killed while it holds work, so the take-over is what the rest of the test sees: frozen first (SIGSTOP), so
    # what it holds cannot change between the count and the kill.
    deadline = time.monotonic() + 60
    while True:
        victim.proc.send_signal(signal.SIGSTOP)
        held = leased_by_victim()
        if held:
            break
        victim.proc.send_signal(signal.SIGCONT)
        assert time.monotonic() < deadline, "the victim held no leases for a minute while two thirds were left"
        time.sleep(0.05)
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(10)
    wait_for(lambda: len(set(received())) == total, 300,
             lambda: f"every message delivered: {len(set(received()))} of {total}; "
                     f"{cluster.psql('SELECT state, count(*) FROM message GROUP BY 1', database='herald')}", interval=1)
    # Finished messages leave the claim table for the day partitions of message_done.
    wait_for(lambda: cluster.psql("SELECT count(*) FROM message", database="herald") == "0", 60,
             lambda: cluster.psql("SELECT state, lease_owner, count(*) FROM message GROUP BY 1, 2", database="herald"))
    assert cluster.psql("SELECT count(*) FROM message_done WHERE state = 'delivered'", database="herald") == str(total)
    ids = received()
    seen, duplicates = set(), set()
    for i in ids:
        (duplicates if i in seen else seen).add(i)
    logged = [delivered_ids(h) for h in hosts]
    everywhere = [i for log in logged for i in log]
    assert len(everywhere) == len(set(everywhere)), "one message recorded delivered by two hosts"
    # The killed host may have committed a last batch without logging it; every other delivery is in some log.
    assert len(seen - set(everywhere)) <= 64, len(seen - set(everywhere))
    assert not duplicates & set(logged[2]), "a duplicate the killed host had recorded: not an in-flight one"
    # Only what the killed host held under its leases may have gone out twice (what it held a moment before the
    # kill, and at most one more claim).
    assert len(duplicates) <= held + 64, (len(duplicates), held)
    print(f"3 hosts, {total} messages, host h2 killed holding {held}: {len(duplicates)} sent twice")
    assert all(h.events("delivered") for h in hosts[:2]), "both surviving hosts delivered"
    assert any("back in the queue" in h.stderr() for h in hosts[:2]), "no host returned the killed host's leases"
    shown = hosts[0].cli("queue")
    view = shown.stdout
    assert "the whole cluster" in view and all(f"\nh{n} " in view for n in range(3)), (view, shown.stderr)
    assert f"webhook         delivered  {total}" in view, view
    for host in hosts[:2]:
        assert host.stop() == 0


def test_a_suppression_added_through_one_host_stops_sends_on_another(make_daemon, make_smtp, cluster, tmp_path):
    """`herald suppress add` through host s0 (the shared list); host s1's next mail to the address ends
    `suppressed` and never reaches the relay; another address still goes."""
    password = tmp_path / "db-password"
    password.write_text(cluster.password + "\n")
    peer = make_smtp()
    hosts = [with_database(make_daemon([smtp_channel(peer.url)], root=tmp_path / f"s{n}", recipients="masked"),
                           cluster, password, f"s{n}") for n in range(2)]
    for host in hosts:
        host.start()
    added = hosts[0].cli("suppress", "add", "--reason", "manual", "Gone@Example.net")
    assert added.returncode == 0, added
    listed = hosts[1].cli("suppress", "list").stdout
    assert "gone@example.net\tmanual" in listed, listed

    def mail(id, to):
        return message(id, channel="email", to={"email": to}, content={"subject": "Hi", "text": "Hello"})
    drop(hosts[1].spool, "late", mail("late", "gone@example.net"))
    drop(hosts[1].spool, "fine", mail("fine", "fine@example.net"))
    wait_for(lambda: [h for h in hosts if h.events("suppressed", id="late")], 30,
             lambda: f"late suppressed: {hosts[1].events()}")
    wait_for(lambda: any(h.events("delivered", id="fine") for h in hosts), 30, "fine delivered")
    assert [r["rcpt_tos"] for r in peer.received()] == [["fine@example.net"]], "a suppressed address reached the relay"
    assert cluster.psql("SELECT count(*) FROM suppression", database="herald") == "1"
    for host in hosts:
        assert host.stop() == 0
