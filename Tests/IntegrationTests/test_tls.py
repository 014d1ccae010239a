"""TLS to a webhook peer: verification is on; a private CA works only through ca_file; a failure pauses, never loses."""
import sys
from pathlib import Path

from herald_harness import drop, message, wait_for, webhook_channel

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from test_ca import make_ca_and_server  # noqa: E402


def test_private_ca_through_ca_file(make_daemon, make_receiver, tmp_path):
    """An HTTPS receiver with a certificate from a private CA gets the message when ca_file names that CA."""
    ca, cert, key = make_ca_and_server(tmp_path)
    receiver = make_receiver(tls=(cert, key))
    daemon = make_daemon([webhook_channel(receiver, ca_file=str(ca))])
    daemon.start()
    drop(daemon.spool, "tls-1", message("tls-1"))
    wait_for(lambda: daemon.ids("delivered") == ["tls-1"], 20, "delivery over TLS")
    [request] = receiver.requests("tls-1")
    assert request["verified"]
    assert daemon.stop() == 0


def test_untrusted_certificate_pauses_the_channel(make_daemon, make_receiver, tmp_path):
    """Without ca_file the same peer is untrusted: curl:60, the channel pauses, the message waits (not sent, not lost)."""
    _, cert, key = make_ca_and_server(tmp_path)
    receiver = make_receiver(tls=(cert, key))
    daemon = make_daemon([webhook_channel(receiver, credentials_pause="1h")])
    daemon.start()
    drop(daemon.spool, "tls-2", message("tls-2"))
    wait_for(lambda: daemon.events("paused", id="tls-2"), 20, "the channel pausing")
    [paused] = daemon.events("paused", id="tls-2")
    assert paused["code"] == "curl:60", paused
    assert receiver.requests() == [], "nothing may reach a peer whose certificate failed verification"
    assert not daemon.events("failed")
    assert daemon.queue_counts().get(("webhook", "deferred")) == 1
    assert daemon.stop() == 0
