"""`herald check --probe` against real loopback peers: one line per channel target, the reason of every DNS, TCP,
TLS or AUTH failure printed, exit 1 on any failure, 78 still for a bad config. A probe delivers nothing: the
SMTP peer stores no message and the webhook receiver sees no POST."""
import sys
from pathlib import Path

from herald_harness import SECRET, free_port, smtp_channel

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from test_ca import make_ca_and_server  # noqa: E402


def probe(daemon):
    result = daemon.cli("check", "--probe")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("probe ")]
    return result, lines


def closed_port():
    """A port nothing listens on: free now, and nobody binds it during the test."""
    return free_port()


def test_smtp_probe_with_starttls_and_auth(make_daemon, make_smtp, tmp_path):
    """STARTTLS required with the private CA, AUTH with the right password: ok, and the line says so."""
    ca, cert, key = make_ca_and_server(tmp_path)
    peer = make_smtp(tls=(cert, key), require_tls=True, auth="herald:s3cret pass")
    (tmp_path / "smtp-password").write_text("s3cret pass\n")
    daemon = make_daemon([smtp_channel(peer.url, starttls="required", ca_file=str(ca), username="herald",
                                       password_file=str(tmp_path / "smtp-password"))])
    result, lines = probe(daemon)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"probe {peer.url}: ok: greeting 220 "), lines
    assert lines[0].endswith(", STARTTLS, AUTH accepted, QUIT 221"), lines
    assert "s3cret" not in result.stdout + result.stderr
    assert peer.received() == [], "a probe must not send mail"


def test_smtp_probe_against_smtp_sink(make_daemon, smtp_sink):
    """Postfix's smtp-sink, no TLS, no AUTH: ok, and the line says the session was in clear."""
    daemon = make_daemon([smtp_channel(smtp_sink.url)])
    result, lines = probe(daemon)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"probe {smtp_sink.url}: ok: greeting 220"), lines
    assert 'no TLS (starttls = "none")' in lines[0] and "QUIT 221" in lines[0], lines


def test_smtp_probe_refused_port(make_daemon):
    """Nothing listens: exit 1, the connect failure and libcurl's reason printed."""
    port = closed_port()
    daemon = make_daemon([smtp_channel(f"smtp://127.0.0.1:{port}")])
    result, lines = probe(daemon)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"probe smtp://127.0.0.1:{port}: failed (connect): curl:7 "), lines
    assert "1 target(s) failed" in result.stderr


def test_smtp_probe_wrong_password(make_daemon, make_smtp, tmp_path):
    """535 to AUTH: exit 1, an auth failure with the server's reply."""
    ca, cert, key = make_ca_and_server(tmp_path)
    peer = make_smtp(tls=(cert, key), require_tls=True, auth="herald:right")
    daemon = make_daemon([smtp_channel(peer.url, starttls="required", ca_file=str(ca), username="herald",
                                       password="Wr0ng-pw-7")])
    result, lines = probe(daemon)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert len(lines) == 1 and "failed (auth): curl:67" in lines[0] and "535" in lines[0], lines
    assert "Wr0ng-pw-7" not in result.stdout + result.stderr
    assert peer.received() == []


def test_smtp_probe_untrusted_certificate(make_daemon, make_smtp, tmp_path):
    """STARTTLS to a certificate no configured CA signs: exit 1, a TLS failure (curl:60)."""
    _, cert, key = make_ca_and_server(tmp_path)
    peer = make_smtp(tls=(cert, key))
    daemon = make_daemon([smtp_channel(peer.url, starttls="required")])
    result, lines = probe(daemon)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert len(lines) == 1 and "failed (tls): curl:60" in lines[0], lines


def test_smtp_probe_username_but_no_auth_offered(make_daemon, make_smtp):
    """A username is configured but the (loopback, clear-text) server offers no AUTH: libcurl would silently skip
    AUTH and mail would go out unauthenticated, so the probe fails at the auth step."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url, username="herald", password="pw")])
    result, lines = probe(daemon)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert len(lines) == 1 and "failed (auth)" in lines[0] and "offered no AUTH" in lines[0], lines


def test_auth_in_clear_to_a_remote_host_is_a_config_error(make_daemon, tmp_path):
    """username with starttls = "opportunistic" (strippable) or "none" to a host that is not loopback: exit 78
    naming starttls, before any probe. 127.example.com is a DNS name, not loopback; [::1] and 127.0.0.2 are."""
    bad = [("smtp://relay.example.com:587", "opportunistic"), ("smtp://127.example.com:587", "opportunistic"),
           ("smtp://127.example.com:25", "none"), ("smtp://localhost.example.com:25", "none")]
    for n, (url, starttls) in enumerate(bad):
        daemon = make_daemon([smtp_channel(url, starttls=starttls, username="herald", password="pw")],
                             root=tmp_path / f"bad{n}")
        result = daemon.cli("check", "--probe")
        assert result.returncode == 78, (url, result.stdout, result.stderr)
        assert "starttls" in result.stderr and "in clear" in result.stderr, result.stderr
        assert "probe " not in result.stdout
    for n, url in enumerate(["smtp://[::1]:2525", "smtp://127.0.0.2:2525", "smtp://localhost:2525"]):
        daemon = make_daemon([smtp_channel(url, starttls="opportunistic", username="herald", password="pw")],
                             root=tmp_path / f"ok{n}")
        result = daemon.cli("check")
        assert result.returncode == 0, (url, result.stdout, result.stderr)


def webhook(url, **extra):
    return {"name": "hook", "plugin": "webhook", "url": url, "secret": SECRET} | extra


def test_webhook_probe_http_and_https(make_daemon, make_receiver, tmp_path):
    """One HEAD per endpoint: HTTP, and HTTPS through the private CA. The receiver answers 501 to HEAD (it only
    takes POST), which still proves DNS, TCP, TLS and an HTTP server; no POST reaches it."""
    ca, cert, key = make_ca_and_server(tmp_path)
    plain = make_receiver()
    secure = make_receiver(tls=(cert, key))
    daemon = make_daemon([webhook(plain.url + "/hook?token=not-for-output", ca_file=str(ca),
                                  endpoints={"secure": secure.url + "/hook"})])
    result, lines = probe(daemon)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert lines == [f"probe url {plain.url}: ok: HEAD answered 501",
                     f"probe endpoints.secure {secure.url}: ok: HEAD answered 501"], lines
    assert "not-for-output" not in result.stdout, "a URL's path and query may hold a token"
    assert plain.requests() == [] and secure.requests() == []


def test_webhook_probe_failures(make_daemon, make_receiver, tmp_path):
    """A closed port (connect) and a certificate the configured CA did not sign (tls): both printed with their
    reasons beside the endpoint that works, exit 1."""
    (tmp_path / "trusted").mkdir()
    (tmp_path / "other").mkdir()
    ca, _, _ = make_ca_and_server(tmp_path / "trusted")
    _, other_cert, other_key = make_ca_and_server(tmp_path / "other", ca_name="Some Other CA")
    good = make_receiver()
    stranger = make_receiver(tls=(other_cert, other_key))
    port = closed_port()
    daemon = make_daemon([webhook(good.url + "/hook", ca_file=str(ca),
                                  endpoints={"closed": f"http://127.0.0.1:{port}/hook", "stranger": stranger.url})])
    result, lines = probe(daemon)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert len(lines) == 3, lines
    assert lines[0] == f"probe url {good.url}: ok: HEAD answered 501", lines
    assert lines[1].startswith(f"probe endpoints.closed http://127.0.0.1:{port}: failed (connect): curl:7 "), lines
    assert lines[2].startswith(f"probe endpoints.stranger {stranger.url}: failed (tls): curl:60 "), lines
    assert "2 target(s) failed" in result.stderr
    assert stranger.requests() == []


def test_bad_config_is_still_78_with_probe(make_daemon):
    daemon = make_daemon([webhook("ftp://127.0.0.1/")])
    result = daemon.cli("check", "--probe")
    assert result.returncode == 78, (result.stdout, result.stderr)
