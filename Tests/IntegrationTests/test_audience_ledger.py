"""The membership ledger end to end: every add and remove the platform took is filed (hashed) in
STATE/memberships.sqlite; an opt-out through the one-click unsubscribe endpoint, or an operator's
`herald suppress`, queues one remove per audience the person is in, which reaches the loopback Meta mock; a
channel with `remove_on_suppress = false` is left alone; `herald stats --by audience` shows adds, removes and
sizes; and no raw email or phone of the test data is left in the log, stderr or either ledger."""
import email
import email.policy
import urllib.request

from herald_harness import drop, free_port, message, smtp_channel, wait_for
from test_audience import audience_message, meta_channel, raw_pii_left, sha

CART, LOYAL, LAPSED = "2385000001", "2385000002", "2385000003"


def stats_rows(daemon):
    """`herald stats --by audience` as {(channel, audience): (adds, removes, size)}."""
    done = daemon.cli("stats", "--by", "audience")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].split() == ["CHANNEL", "AUDIENCE", "ADDS", "REMOVES", "SIZE"], done.stdout
    return {(c, a): (int(x), int(y), int(z)) for c, a, x, y, z in (line.split() for line in lines[1:])}


def test_a_one_click_unsubscribe_removes_the_person_from_each_of_their_audiences(make_daemon, make_smtp, audience_peer):
    port = free_port()
    smtp = make_smtp()
    channels = [smtp_channel(smtp.url, unsubscribe_url=f"http://127.0.0.1:{port}/u",
                             unsubscribe_secret="k3y-for-unsubscribe-tokens-0123456789"),
                meta_channel(audience_peer)]
    daemon = make_daemon(channels, recipients="masked", http={"listen": f"127.0.0.1:{port}"}).start()
    siti, bo = "siti.aminah@example.my", "bo.tan@example.my"
    drop(daemon.spool, "siti-cart", audience_message("siti-cart", siti, "012-345 6701"))
    drop(daemon.spool, "siti-loyal", audience_message("siti-loyal", siti, "012-345 6701", name="loyal"))
    drop(daemon.spool, "bo-cart", audience_message("bo-cart", bo, "012-345 6702"))
    wait_for(lambda: len(daemon.ids("delivered")) >= 3, 30, lambda: f"3 adds delivered: {daemon.events()}")
    assert audience_peer.members(CART) == {sha(siti), sha(bo)}
    assert audience_peer.members(LOYAL) == {sha(siti)}
    assert stats_rows(daemon) == {("social", "cart"): (2, 0, 2), ("social", "loyal"): (1, 0, 1)}

    drop(daemon.spool, "promo", message("promo", channel="email", to={"email": siti}))
    wait_for(lambda: daemon.events("delivered", "promo"), 30, "the promotion delivered")
    mail = email.message_from_bytes(smtp.received()[0]["raw"], policy=email.policy.default)
    url = str(mail["List-Unsubscribe"]).split(",")[0].strip().strip("<>")
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert urllib.request.urlopen(request, timeout=10).status == 200

    removals = lambda: [e for e in daemon.events("delivered") if e["id"].startswith("opt-out-")]
    wait_for(lambda: len(removals()) >= 2, 60, lambda: f"two removals delivered: {daemon.events()}")
    assert stats_rows(daemon) == {("social", "cart"): (2, 1, 1), ("social", "loyal"): (1, 1, 0)}
    assert daemon.stop() == 0
    deletes = [r for r in audience_peer.requests("meta") if r["method"] == "DELETE"]
    assert sorted(r["audience"] for r in deletes) == [CART, LOYAL], deletes
    assert all(r["count"] == 1 and not r["problems"] for r in deletes), deletes
    assert audience_peer.members(CART) == {sha(bo)}
    assert audience_peer.members(LOYAL) == set()
    accepted = [e for e in daemon.events("accepted") if e["id"].startswith("opt-out-")]
    assert len(accepted) == 2 and all("after an opt-out" in e["detail"] for e in accepted), accepted
    assert raw_pii_left(daemon, [siti, bo, "012-345 6701", "0123456701", "60123456701", "60123456702"]) == []


def test_remove_on_suppress_false_leaves_a_channels_audiences_alone(make_daemon, audience_peer):
    """An operator's `herald suppress` while the daemon runs: the channel that removes on suppress sends its
    remove; in the same sweep the channel with `remove_on_suppress = false` queued nothing, and its member stays."""
    kept = meta_channel(audience_peer, name="social-kept", remove_on_suppress=False,
                        audiences={"cart": LAPSED})
    daemon = make_daemon([meta_channel(audience_peer), kept], recipients="masked").start()
    drop(daemon.spool, "a", audience_message("a", "cy@example.com"))
    drop(daemon.spool, "b", audience_message("b", "cy@example.com", channel="social-kept"))
    wait_for(lambda: len(daemon.ids("delivered")) >= 2, 30, lambda: f"2 delivered: {daemon.events()}")
    assert daemon.cli("suppress", "add", "--reason", "manual", "cy@example.com").returncode == 0
    wait_for(lambda: any(e["id"].startswith("opt-out-") for e in daemon.events("delivered")), 60,
             lambda: f"the removal delivered: {daemon.events()}")
    assert daemon.stop() == 0
    removals = [e for e in daemon.events("accepted") if e["id"].startswith("opt-out-")]
    assert [e["channel"] for e in removals] == ["social"], removals
    assert audience_peer.members(CART) == set()
    assert audience_peer.members(LAPSED) == {sha("cy@example.com")}


def test_a_member_who_was_in_before_a_cancelled_pair_is_still_taken_out(make_daemon, audience_peer):
    """Xena is in the audience; then an add and a remove of her meet in one batch window. The add is cancelled
    (naming the remove), but the remove still goes, because the ledger knows she was in before: she ends out."""
    daemon = make_daemon([meta_channel(audience_peer, batch_linger="2s")], recipients="masked").start()
    drop(daemon.spool, "first", audience_message("first", "xena@example.com"))
    wait_for(lambda: daemon.events("delivered", "first"), 30, "the first add delivered")
    assert audience_peer.members(CART) == {sha("xena@example.com")}
    drop(daemon.spool, "again", audience_message("again", "xena@example.com"))
    wait_for(lambda: daemon.queue_counts().get(("social", "inflight")) == 1, 30, "the second add waiting")
    drop(daemon.spool, "out", audience_message("out", "xena@example.com", action="remove"))
    wait_for(lambda: daemon.events("delivered", "out"), 30, lambda: f"the remove delivered: {daemon.events()}")
    assert daemon.stop() == 0
    [cancelled] = daemon.events("cancelled")
    assert cancelled["id"] == "again" and "out" in cancelled["detail"], cancelled
    assert audience_peer.members(CART) == set()
    assert [r["method"] for r in audience_peer.requests("meta")] == ["POST", "DELETE"]
