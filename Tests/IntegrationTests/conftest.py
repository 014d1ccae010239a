"""Fixtures for Herald's integration tests: the binary, daemons and webhook receivers that are always cleaned up."""
import os
from pathlib import Path

import pytest

from herald_harness import Daemon, Receiver, SMTPPeer, SMTPSink


@pytest.fixture(scope="session")
def herald_bin():
    path = os.environ.get("HERALD_BIN") or str(Path(__file__).resolve().parents[2] / ".build/debug/herald")
    if not os.access(path, os.X_OK):
        pytest.fail(f"herald binary not found at {path}: run `swift build` or set HERALD_BIN")
    return path


@pytest.fixture
def make_daemon(herald_bin, tmp_path, request):
    """make_daemon(channels, **settings) -> Daemon (not started); every daemon is killed at teardown."""
    daemons = []

    def factory(channels, root=None, **settings):
        daemon = Daemon(herald_bin, root or tmp_path / f"herald{len(daemons)}", channels, **settings)
        daemons.append(daemon)
        return daemon

    yield factory
    for daemon in daemons:
        daemon.kill()


@pytest.fixture
def make_receiver(tmp_path):
    """make_receiver(plan=None, delay_ms=0) -> Receiver (listening); every receiver is stopped at teardown."""
    receivers = []

    def factory(plan=None, delay_ms=0, tls=None, port=0, root=None):
        receiver = Receiver(root or tmp_path / f"receiver{len(receivers)}", plan, delay_ms, tls, port)
        receivers.append(receiver)
        return receiver

    yield factory
    for receiver in receivers:
        receiver.stop()


def _peers(peer_class, tmp_path, prefix):
    """A fixture body: yields a factory making `peer_class(tmp_path/PREFIXn, **options)`, then stops them all."""
    peers = []

    def factory(**options):
        peer = peer_class(tmp_path / f"{prefix}{len(peers)}", **options)
        peers.append(peer)
        return peer

    yield factory
    for peer in peers:
        peer.stop()


@pytest.fixture
def make_smtp(tmp_path):
    """make_smtp(tls=None, require_tls=False, auth=None) -> SMTPPeer (aiosmtpd, listening); stopped at teardown."""
    yield from _peers(SMTPPeer, tmp_path, "smtp")


@pytest.fixture
def smtp_sink():
    """Postfix smtp-sink on loopback, stopped at teardown."""
    sink = SMTPSink()
    yield sink
    sink.stop()


@pytest.fixture
def make_push_peer(tmp_path):
    """make_push_peer(delay_ms=0, apns_one_stream_until_auth=False, token_lifetime=3599, port=0) -> PushPeer
    (peers/push_server.py listening, with its CA and credentials); every peer is stopped at teardown."""
    from push_harness import PushPeer  # imported here: only push tests need h2, pyjwt and http_ece
    yield from _peers(PushPeer, tmp_path, "push")


@pytest.fixture
def push_peer(make_push_peer):
    """One PushPeer with default options."""
    return make_push_peer()


@pytest.fixture
def make_audience_peer(tmp_path):
    """make_audience_peer(tls=True, meta_max_rows=10000, meta_max_body=65536, google_token_lifetime=3599, …) ->
    AudiencePeer (peers/audience_server.py listening, with its CA and credentials); every peer is stopped at
    teardown."""
    from audience_harness import AudiencePeer  # imported here: only audience tests need pyjwt and standardwebhooks
    yield from _peers(AudiencePeer, tmp_path, "audience")


@pytest.fixture
def audience_peer(make_audience_peer):
    """One AudiencePeer with default options (TLS on)."""
    return make_audience_peer()
