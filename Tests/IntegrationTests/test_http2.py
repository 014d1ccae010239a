"""HTTP/2 to a real HTTP/2 server (nghttpd): over TLS (ALPN h2, streams share one connection) and cleartext h2c."""
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from herald_harness import drop, free_port, message, wait_for

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from test_ca import make_ca_and_server  # noqa: E402


@pytest.fixture(params=["tls", "h2c"])
def nghttpd(request, tmp_path):
    binary = shutil.which("nghttpd") or "/usr/sbin/nghttpd"
    if not shutil.which(binary):
        pytest.skip("nghttpd not installed (apt-get install nghttp2-server)")
    docroot = tmp_path / "h2root"
    docroot.mkdir()
    (docroot / "hook").write_text("ok\n")
    port = free_port()
    log = open(tmp_path / "nghttpd.log", "w")
    if request.param == "tls":
        ca, cert, key = make_ca_and_server(tmp_path)
        tail = [str(port), str(key), str(cert)]
    else:
        ca, tail = None, ["--no-tls", str(port)]
    proc = subprocess.Popen([binary, "-v", "-a", "127.0.0.1", "-d", str(docroot), *tail],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    wait_for(listening, 10, "nghttpd listening")
    yield request.param, port, ca, tmp_path / "nghttpd.log"
    proc.terminate()
    proc.wait(10)
    log.close()


def test_webhook_over_http2(make_daemon, nghttpd, tmp_path):
    """20 messages go out as HTTP/2 POST streams and all are delivered with the server's 200; over TLS the streams
    share connections instead of opening one each."""
    mode, port, ca, log = nghttpd
    if mode == "tls":
        channel = {"url": f"https://127.0.0.1:{port}/hook", "ca_file": str(ca)}
    else:
        channel = {"url": f"http://127.0.0.1:{port}/hook", "http": "h2c"}
    daemon = make_daemon([{"name": "webhook", "plugin": "webhook", "concurrency": 8} | channel])
    daemon.start()
    ids = [f"h2-{n:02d}" for n in range(20)]
    for id in ids:
        drop(daemon.spool, id, message(id))
    wait_for(lambda: sorted(daemon.ids("delivered")) == ids, 20, "20 deliveries over HTTP/2")
    assert {e["code"] for e in daemon.events("delivered")} == {"200"}
    assert daemon.stop() == 0
    frames = log.read_text()
    assert frames.count(":method: POST") == 20, "every delivery is an HTTP/2 POST stream"
    connections = {line.split("]")[0] for line in frames.splitlines() if "recv (stream_id=" in line}
    if mode == "tls":
        assert len(connections) <= 8, f"{len(connections)} connections for 20 streams: no reuse"
