"""The push phase: N APNs deliveries end to end over HTTP/2 with TLS to a loopback nghttpd (`--echo-upload`
answers every POST 200), beside h2load's rate against the same server in the same run."""

import os
import pathlib
import re
import secrets
import shutil
import subprocess
import sys
import tempfile

from benchlib.end_to_end import run_end_to_end
from benchlib.peers import free_port, wait_for_port
from benchlib.report import fmt_rate, log, stopped_line

# The integration tests' peers (the private CA) sit beside the benchmarks in the repository.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "IntegrationTests", "peers"))

PUSH_MESSAGE = ('{"id":"%s-%d","channel":"push","to":{"external_id":"u-%d","push":[{"platform":"apns",'
                '"token":"%s"}]},"campaign":"bench","content":{"title":"Back in stock","body":"Your size is here"}}\n')


def make_tls(directory):
    """The integration tests' private CA and 127.0.0.1 certificate (one implementation of both), and an
    APNs-style P-256 key (.p8)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from test_ca import make_ca_and_server

    ca, cert, key = make_ca_and_server(pathlib.Path(directory), ca_name="Herald Bench CA")
    p8 = os.path.join(directory, "AuthKey.p8")
    with open(p8, "wb") as f:
        f.write(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return {"ca.pem": str(ca), "server.pem": str(cert), "server.key": str(key), "AuthKey.p8": p8}


def start_nghttpd(directory, paths, cleanup):
    """nghttpd --echo-upload keeps each request body in an unlinked file under /tmp (the path is built in). On
    an ext4 /tmp without the orphan_file feature every such open-but-unlinked file joins one orphan list that
    each create walks, so at 400 concurrent streams the server, not the client, sets the rate (about 1,000
    req/s on this machine, 1 ms per openat). As root, nghttpd therefore gets a private tmpfs /tmp in its own
    mount namespace; otherwise it runs as is, and the line below says so."""
    nghttpd = shutil.which("nghttpd")
    if not nghttpd:
        raise RuntimeError("nghttpd not found: apt-get install nghttp2-server")
    docroot = os.path.join(directory, "docroot")
    os.makedirs(docroot)
    port = free_port()
    argv = [nghttpd, "--echo-upload", "-d", docroot, "-m", "1000", "-n", "1", str(port), paths["server.key"],
            paths["server.pem"]]
    unshare = shutil.which("unshare")
    if os.geteuid() == 0 and unshare and os.path.isdir("/dev/shm"):
        # The key, certificate and docroot move to a directory that stays visible once /tmp is covered.
        private = cleanup.directory(tempfile.mkdtemp(prefix="herald-nghttpd-", dir="/dev/shm"))
        for name in ("server.key", "server.pem"):
            shutil.copy(paths[name], private)
        os.makedirs(os.path.join(private, "docroot"))
        argv = [unshare, "--mount", "--propagation", "private", "sh", "-c",
                'mount -t tmpfs tmpfs /tmp && exec "$@"', "sh"] + [
            a.replace(directory, private) for a in argv]
        log("  nghttpd: private tmpfs /tmp (its upload files are open-but-unlinked)")
    else:
        log("  nghttpd: shares /tmp (not root): on ext4 its upload files may cap its rate")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cleanup.process(proc, "nghttpd")
    if not wait_for_port(port, 10):
        raise RuntimeError("nghttpd did not listen")
    return port


def run_h2load(port, n, payload_file):
    """h2load's request rate for the same POSTs: 4 connections, 100 streams each."""
    h2load = shutil.which("h2load")
    if not h2load:
        return None
    out = subprocess.run(
        [h2load, "-n", str(n), "-c", "4", "-m", "100", "-d", payload_file, "-H", "apns-topic: com.example.shop",
         "-H", "apns-push-type: alert", f"https://127.0.0.1:{port}/3/device/{secrets.token_hex(32)}"],
        capture_output=True, text=True, timeout=300).stdout
    match = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    return float(match.group(1)) if match else None


def phase_push(workdir, args, results, cleanup):
    n = args.push
    log(f"\n== push: {n:,} APNs deliveries -> nghttpd over HTTP/2 + TLS, concurrency 256 ==")
    directory = os.path.join(workdir, "push")
    os.makedirs(directory)
    paths = make_tls(directory)
    port = start_nghttpd(directory, paths, cleanup)
    payload = os.path.join(directory, "payload.json")
    with open(payload, "w") as f:
        f.write('{"aps":{"alert":{"title":"Back in stock","body":"Your size is here"}}}')
    wire = run_h2load(port, n, payload)
    results["push_h2load"] = wire
    log(f"  peer: h2load -c 4 -m 100 -> nghttpd: {fmt_rate(wire)} req/s")

    channel = (f'name = "push"\nplugin = "push"\nconcurrency = 256\n'
               f'apns = {{ url = "https://127.0.0.1:{port}", team_id = "BENCHTEAM1", key_id = "BENCHKEY01", '
               f'key_file = "{paths["AuthKey.p8"]}", topic = "com.example.shop", ca_file = "{paths["ca.pem"]}" }}\n')
    herald, counter, (delivered, cpu, status, code, stop_time) = run_end_to_end(
        args, directory, channel, cleanup, n, "p", lambda i: PUSH_MESSAGE % ("p", i, i, secrets.token_hex(32)),
        args.perf and args.perf + ".push", 500)
    results["push"] = n / delivered if delivered else None
    results["push_rss"] = status.get("VmHWM", 0) / 1024
    results["push_cpu_us"] = 1e6 * cpu / max(1, counter.counts["delivered"])
    log(f"  end to end: {fmt_rate(results['push'])} msgs/s (first rename -> last delivered), daemon CPU {cpu:.2f} s "
        f"({results['push_cpu_us']:.0f} µs per message), peak RSS {results['push_rss']:.1f} MB")
    log(f"  events: {counter.summary()}")
    log(f"  {stopped_line(herald, code, stop_time)}")
