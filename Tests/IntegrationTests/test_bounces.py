"""Bounces and complaints that arrive after the relay accepted the mail: Postfix's own DSNs, Exim's text bounce
and RFC 5965 feedback reports delivered into the bounce Maildir, attributed through the VERP return path, turned
into `bounced`/`complained` events under the original message's id, campaign and stage, and suppressions; and a
forged bounce that suppresses nobody. The relay in the first test is a real Postfix (Debian's package, a private
instance) that relays to a peer refusing with 550 5.1.1 and delivers its DSN into the Maildir through virtual(8)."""
import json
import re
import sys
from pathlib import Path

from bounce_mail import arf, deliver, dsn, exim
from herald_harness import drop, message, smtp_channel, wait_for
from test_policy import SECRET_WHSEC

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from postfix_relay import PostfixRelay  # noqa: E402

VERP = "bounces+{handle}@bounce.test"
TOKEN = re.compile(r"^bounces\+([a-z2-7]{31})@bounce\.test$")


def bounce_channel(url, maildir, tmp_path, **extra):
    secret = tmp_path / "verp.key"
    secret.write_text("verp-signing-key-for-the-tests-0123456789\n")
    return smtp_channel(url, verp=VERP, verp_secret_file=str(secret), bounce_maildir=str(maildir),
                        message_id_domain="shop.example") | extra


def mail(id, to, campaign="winback", stage="winback"):
    return message(id, channel="email", to={"email": to}, campaign=campaign, stage=stage,
                   content={"subject": "Your September update", "text": "We miss you."})


def suppressed(daemon):
    return {tuple(line.split("\t")[:3]) for line in daemon.cli("suppress", "list").stdout.splitlines()[1:]}


def sent(peer, address):
    """The envelope sender and Message-ID of what the peer accepted for `address`."""
    for record in peer.received():
        if address in record["rcpt_tos"]:
            found = re.search(rb"^Message-ID: (\S+)", record["raw"], re.M | re.I)
            return record["mail_from"], found[1].decode() if found else None
    return None


def test_postfix_dsn_is_attributed_through_verp(make_daemon, make_smtp, tmp_path):
    """Herald → Postfix (250) → a hop answering 550 5.1.1: Postfix's DSN to the VERP address lands in the Maildir
    through virtual(8); Herald logs `bounced` for that message and campaign, suppresses the address, files the
    mail as read, and the next mail to the address ends `suppressed`."""
    hop = make_smtp()
    postfix = PostfixRelay(next_hop_port=hop.port)
    try:
        daemon = make_daemon([bounce_channel(postfix.url, postfix.maildir, tmp_path)], recipients="masked").start()
        drop(daemon.spool, "b1", mail("b1", "r550@example.net"))
        drop(daemon.spool, "b2", mail("b2", "fine@example.net"))
        wait_for(lambda: daemon.events("delivered", id="b1") and daemon.events("delivered", id="b2"), 30,
                 lambda: f"both handed to Postfix: {daemon.events()}")
        wait_for(lambda: daemon.events("bounced"), 60,
                 lambda: f"Postfix's DSN read: {daemon.events()}\n{postfix.log()[-3000:]}")
        bounced = daemon.events("bounced")
        assert [(e["id"], e["campaign"], e["stage"], e.get("code")) for e in bounced] == \
            [("b1", "winback", "winback", "5.1.1")], bounced
        assert bounced[0]["detail"].startswith("hard; user_unknown"), bounced
        assert "r550@example.net" not in str(bounced), "the address in clear in the log"
        assert ("email", "r550@example.net", "hard_bounce") in suppressed(daemon)
        assert not any(row[1] == "fine@example.net" for row in suppressed(daemon))
        assert [(r["rcpt_tos"], TOKEN.match(r["mail_from"]) is not None) for r in hop.received()] == \
            [(["fine@example.net"], True)], "Postfix relayed fine@ with the VERP sender; r550@ was refused"
        read = list((postfix.maildir / "cur").iterdir())
        assert len(read) == 1 and read[0].name.endswith(":2,S"), read
        assert b"Undelivered Mail Returned to Sender" in read[0].read_bytes(), "Postfix's own DSN"
        assert not list((postfix.maildir / "new").iterdir())
        drop(daemon.spool, "b3", mail("b3", "r550@example.net"))
        wait_for(lambda: daemon.events("suppressed", id="b3"), 30, lambda: f"b3 suppressed: {daemon.events()}")
        assert daemon.stop() == 0
    finally:
        postfix.stop()


def test_exim_arf_and_a_forged_bounce(make_daemon, make_smtp, tmp_path):
    """Exim's text bounce suppresses with hard_bounce; an ARF report with complaint; a DSN whose VERP handle is
    forged names nobody: logged unattributed, set aside with its reason, nothing suppressed."""
    peer = make_smtp()
    maildir = tmp_path / "bounces"
    daemon = make_daemon([bounce_channel(peer.url, maildir, tmp_path)], recipients="masked").start()
    drop(daemon.spool, "x1", mail("x1", "dora@example.net"))
    drop(daemon.spool, "x2", mail("x2", "eve@example.net", campaign="replenish", stage="retention"))
    wait_for(lambda: all(daemon.events("delivered", id=i) for i in ("x1", "x2")), 30,
             lambda: f"all delivered: {daemon.events()}")
    dora_from, dora_id = sent(peer, "dora@example.net")
    eve_from, eve_id = sent(peer, "eve@example.net")
    assert TOKEN.match(dora_from) and TOKEN.match(eve_from) and dora_from != eve_from
    assert dora_id == f"<{TOKEN.match(dora_from)[1]}.herald@shop.example>", "the Message-ID carries the handle"

    deliver(maildir, exim(dora_from, "dora@example.net", dora_id))
    deliver(maildir, arf(eve_from, "eve@example.net", eve_id))
    token = TOKEN.match(dora_from)[1]
    forged = "bounces+" + token[:20] + ("a" if token[20] != "a" else "b") + token[21:] + "@bounce.test"
    deliver(maildir, dsn(forged, "fine@example.net", "<nothing@shop.example>"))
    wait_for(lambda: daemon.events("bounced", id="x1") and daemon.events("complained", id="x2")
             and [e for e in daemon.events("bounced") if "id" not in e], 30, lambda: f"all three read: {daemon.events()}")
    assert daemon.events("bounced", id="x1")[0]["detail"].startswith("hard; user_unknown")
    complaint = daemon.events("complained", id="x2")[0]
    assert (complaint["campaign"], complaint["stage"]) == ("replenish", "retention")
    stray = [e for e in daemon.events("bounced") if "id" not in e]
    assert len(stray) == 1 and "unattributed: the VERP handle does not verify" in stray[0]["detail"], stray
    rows = suppressed(daemon)
    assert ("email", "dora@example.net", "hard_bounce") in rows
    assert ("email", "eve@example.net", "complaint") in rows
    assert not any(row[1] == "fine@example.net" for row in rows), "a forged bounce suppressed someone"
    assert "fine@example.net" not in daemon.log.read_text(), "the forged DSN's address in clear in the log"
    assert b"fine@example.net" not in (daemon.state / "events.sqlite").read_bytes()
    aside = list((maildir / ".Unattributed" / "cur").iterdir())
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"X-Herald-Unattributed: the VERP handle"), aside
    assert len(list((maildir / "cur").iterdir())) == 2
    assert not list((maildir / "new").iterdir())
    assert daemon.stop() == 0


def test_stats_and_callbacks_show_bounces_and_complaints_per_campaign(make_daemon, make_smtp, make_receiver, tmp_path):
    """Known counts: campaign spring sends 4 (1 hard bounce, 1 delay), summer sends 2 (1 complaint); `herald stats
    --by campaign` shows bounced_rate 25.00% and complained_rate 50.00% over delivered, and the default status
    callbacks carry the bounced and complained events with their message ids and campaigns."""
    peer = make_smtp()
    callbacks = make_receiver({"default": 200})
    maildir = tmp_path / "bounces"
    daemon = make_daemon([bounce_channel(peer.url, maildir, tmp_path)], recipients="masked",
                         callbacks={"url": callbacks.url + "/events", "secret": SECRET_WHSEC, "batch": 1}).start()
    sends = {f"sp{n}": ("spring", f"spring{n}@example.net") for n in range(4)}
    sends |= {f"su{n}": ("summer", f"summer{n}@example.net") for n in range(2)}
    for id, (campaign, address) in sends.items():
        drop(daemon.spool, id, mail(id, address, campaign=campaign))
    wait_for(lambda: all(daemon.events("delivered", id=i) for i in sends), 30, lambda: f"delivered: {daemon.events()}")
    envelope = {id: sent(peer, address) for id, (_, address) in sends.items()}
    deliver(maildir, dsn(envelope["sp0"][0], "spring0@example.net", envelope["sp0"][1]))
    deliver(maildir, dsn(envelope["sp1"][0], "spring1@example.net", envelope["sp1"][1], status="4.4.1", action="delayed",
                         diagnostic="smtp; 421 4.4.1 connection timed out"))
    deliver(maildir, arf(envelope["su0"][0], "summer0@example.net", envelope["su0"][1]))
    wait_for(lambda: daemon.events("bounced", id="sp0") and daemon.events("delayed", id="sp1")
             and daemon.events("complained", id="su0"), 30, lambda: f"all read: {daemon.events()}")
    table = daemon.cli("stats", "--by", "campaign").stdout.splitlines()
    header = table[0].split()
    rows = {line.split()[0]: dict(zip(header, line.split())) for line in table[1:]}
    assert rows["spring"]["delivered"] == "4" and rows["spring"]["bounced"] == "1", table
    assert rows["spring"]["bounced_rate"] == "25.00%" and rows["spring"]["complained_rate"] == "0.00%", table
    assert rows["summer"]["complained"] == "1" and rows["summer"]["complained_rate"] == "50.00%", table
    assert rows["spring"]["delayed"] == "1", table

    def called(kind):
        return [(e["id"], e["campaign"]) for r in callbacks.requests() if r["status"] == 200
                for e in json.loads(r["body"])["data"]["events"] if e["event"] == kind]
    wait_for(lambda: called("bounced") and called("complained"), 30, lambda: f"callbacks: {callbacks.requests()}")
    assert called("bounced") == [("sp0", "spring")] and called("complained") == [("su0", "summer")]
    assert all(r["verified"] for r in callbacks.requests())
    assert daemon.stop() == 0
