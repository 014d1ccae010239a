"""The push phase: N APNs deliveries end to end over HTTP/2 with TLS to a loopback nghttpd (`--echo-upload`
answers every POST 200), beside h2load's rate against the same server in the same run."""

import datetime
import ipaddress
import os
import re
import secrets
import shutil
import subprocess
import time

from benchlib.config import write_config
from benchlib.delivery_log import LogCounter
from benchlib.finish import finish_delivery
from benchlib.herald import Herald
from benchlib.measure import cpu_seconds
from benchlib.peers import free_port, wait_for_port
from benchlib.profiler import start_profiler
from benchlib.report import fmt_rate, log, stopped_line
from benchlib.spool import rename_messages

PUSH_MESSAGE = ('{"id":"%s-%d","channel":"push","to":{"external_id":"u-%d","push":[{"platform":"apns",'
                '"token":"%s"}]},"campaign":"bench","content":{"title":"Back in stock","body":"Your size is here"}}\n')


def make_tls(directory):
    """A private CA, a 127.0.0.1 server certificate, and an APNs-style P-256 key (.p8)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key, apns_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = (x509.CertificateBuilder().subject_name(name("Herald Bench CA")).issuer_name(name("Herald Bench CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False).sign(ca_key, hashes.SHA256()))
    pkcs8 = serialization.PrivateFormat.PKCS8
    files = {"ca.pem": ca.public_bytes(serialization.Encoding.PEM),
             "server.pem": cert.public_bytes(serialization.Encoding.PEM),
             "server.key": key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()),
             "AuthKey.p8": apns_key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())}
    for file, data in files.items():
        with open(os.path.join(directory, file), "wb") as f:
            f.write(data)
    return {file: os.path.join(directory, file) for file in files}


def start_nghttpd(directory, paths, cleanup):
    nghttpd = shutil.which("nghttpd")
    if not nghttpd:
        raise RuntimeError("nghttpd not found: apt-get install nghttp2-server")
    docroot = os.path.join(directory, "docroot")
    os.makedirs(docroot)
    port = free_port()
    proc = subprocess.Popen(
        [nghttpd, "--echo-upload", "-d", docroot, "-m", "1000", "-n", "1", str(port), paths["server.key"],
         paths["server.pem"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    config = write_config(directory, [channel])
    herald = Herald(args.herald, config, cleanup)
    herald.wait_ready(30)
    spool = os.path.join(directory, "spool")
    for i in range(n):
        with open(f"{spool}/tmp/p-{i}", "w") as f:
            f.write(PUSH_MESSAGE % ("p", i, i, secrets.token_hex(32)))
    counter = LogCounter(os.path.join(directory, "log/delivery.log"))
    profile = args.perf and args.perf + ".push"
    profiler = start_profiler(profile, herald.pid)
    cpu_before = cpu_seconds(herald.pid)
    started = time.monotonic()
    rename_messages(spool, "p", 0, n)
    timeout = args.timeout or 60 + n / 500
    delivered, cpu, status, code, stop_time = finish_delivery(
        herald, counter, n, timeout, started, cpu_before, profiler, profile)
    results["push"] = n / delivered if delivered else None
    results["push_rss"] = status.get("VmHWM", 0) / 1024
    results["push_cpu_us"] = 1e6 * cpu / max(1, counter.counts["delivered"])
    log(f"  end to end: {fmt_rate(results['push'])} msgs/s (first rename -> last delivered), daemon CPU {cpu:.2f} s "
        f"({results['push_cpu_us']:.0f} µs per message), peak RSS {results['push_rss']:.1f} MB")
    log(f"  events: {counter.summary()}")
    log(f"  {stopped_line(herald, code, stop_time)}")
