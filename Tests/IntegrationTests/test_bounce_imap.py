"""The bounce mailbox polled over IMAP and over POP3 (libcurl, TLS required) from a real Dovecot on loopback: a
bounce that arrives there is attributed and filed like one from the Maildir; the position (IMAP: UIDVALIDITY and
last UID; POP3: the UIDL ids read) survives a restart, so mail already read is not read again while new mail is."""
import sys
from pathlib import Path

import pytest

from bounce_mail import arf, exim
from herald_harness import drop, wait_for
from test_bounces import TOKEN, bounce_channel, mail, sent, suppressed

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from dovecot_server import Dovecot  # noqa: E402


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_mailbox_polling_reads_each_bounce_once_across_restarts(protocol, make_daemon, make_smtp, tmp_path):
    peer = make_smtp()
    dovecot = Dovecot()
    try:
        password = tmp_path / "imap-password"
        password.write_text(dovecot.password + "\n")
        channel = bounce_channel(peer.url, tmp_path / "maildir", tmp_path) | {"bounce_imap": {
            "url": dovecot.imap_url if protocol == "imap" else dovecot.pop3_url, "username": dovecot.user, "password_file": str(password), "interval": "1s",
            "ca_file": str(dovecot.ca)}}
        channel.pop("bounce_maildir")
        daemon = make_daemon([channel], recipients="masked").start()
        drop(daemon.spool, "i1", mail("i1", "dora@example.net"))
        drop(daemon.spool, "i2", mail("i2", "eve@example.net", campaign="replenish", stage="retention"))
        wait_for(lambda: daemon.events("delivered", id="i1") and daemon.events("delivered", id="i2"), 30,
                 lambda: f"both delivered: {daemon.events()}")
        dora_from, dora_id = sent(peer, "dora@example.net")
        eve_from, eve_id = sent(peer, "eve@example.net")
        assert TOKEN.match(dora_from) and TOKEN.match(eve_from)

        dovecot.deliver(exim(dora_from, "dora@example.net", dora_id))
        wait_for(lambda: daemon.events("bounced", id="i1"), 30,
                 lambda: f"the bounce read over IMAP: {daemon.events()}\n{daemon.stderr()[-2000:]}\n{dovecot.log()[-2000:]}")
        assert ("email", "dora@example.net", "hard_bounce") in suppressed(daemon)
        assert daemon.stop() == 0
        probed = daemon.cli("check", "--probe")
        assert probed.returncode == 0 and f"probe bounce_imap {channel['bounce_imap']['url']}: ok" in probed.stdout, probed
        password.write_text("not-the-password\n")
        refused = daemon.cli("check", "--probe")
        assert refused.returncode == 1 and f"probe bounce_imap {channel['bounce_imap']['url']}: failed" in refused.stdout
        password.write_text(dovecot.password + "\n")

        dovecot.deliver(arf(eve_from, "eve@example.net", eve_id))
        daemon.start()
        wait_for(lambda: daemon.events("complained", id="i2"), 30, lambda: f"the report read after a restart: {daemon.events()}")
        assert len(daemon.events("bounced", id="i1")) == 1, "a mail read before the restart was read again"
        assert ("email", "eve@example.net", "complaint") in suppressed(daemon)
        assert not [line for line in daemon.stderr().splitlines() if "bounce_imap" in line and " error " in line]
        assert daemon.stop() == 0
    finally:
        dovecot.stop()
