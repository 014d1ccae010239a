"""The smtp phase: N emails to Postfix's smtp-sink, without and with DKIM, beside smtp-source's wire rate."""

import os
import time

from benchlib.config import write_config
from benchlib.delivery_log import LogCounter
from benchlib.herald import Herald
from benchlib.finish import finish_delivery
from benchlib.measure import cpu_seconds
from benchlib.peers import run_smtp_source, start_smtp_sink
from benchlib.profiler import start_profiler
from benchlib.report import fmt_rate, log, stopped_line
from benchlib.spool import rename_messages


EMAIL_MESSAGE = ('{"id":"%s-%d","channel":"%s","to":{"email":"a%d@example.com","name":"Ana"},"campaign":"bench",'
                 '"stage":"conversion","content":{"subject":"Your cart is waiting",'
                 '"text":"Hi Ana, the serum you picked is still in your cart.",'
                 '"html":"<p>Hi Ana, the <b>serum</b> you picked is still in your cart.</p>"}}\n')


def phase_smtp(workdir, args, results, cleanup):
    """N emails (text + HTML, MIME-built, optionally DKIM-signed) to Postfix's smtp-sink, end to end."""
    n = args.messages
    log(f"\n== smtp: {n:,} messages -> smtp-sink, concurrency 32 ==")
    _, port = start_smtp_sink(cleanup)
    wire = run_smtp_source(port, n)
    results["smtp_source"] = wire
    log(f"  peer: smtp-source -d -s 32 -> smtp-sink: {fmt_rate(wire)} msgs/s")
    for label, dkim in (("no DKIM", None), ("DKIM ed25519", "ed25519")):
        directory = os.path.join(workdir, f"smtp-{dkim or 'plain'}")
        os.makedirs(directory)
        extra = ""
        if dkim:
            key = os.path.join(directory, "dkim.pem")
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ed25519
            with open(key, "wb") as f:
                f.write(ed25519.Ed25519PrivateKey.generate().private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            extra = f'dkim = {{ domain = "shop.example", selector = "s1", key_file = "{key}" }}\n'
        channel = (f'name = "email"\nplugin = "smtp"\nurl = "smtp://127.0.0.1:{port}"\nstarttls = "none"\n'
                   f'from = "Shop <news@shop.example>"\n{extra}'
                   + os.environ.get("BENCH_SMTP_KEYS", "concurrency = 32").replace(";", "\n") + "\n")
        config = write_config(directory, [channel])
        herald = Herald(args.herald, config, cleanup)
        herald.wait_ready(30)
        spool = os.path.join(directory, "spool")
        for i in range(n):
            with open(f"{spool}/tmp/m-{i}", "w") as f:
                f.write(EMAIL_MESSAGE % ("m", i, "email", i))
        counter = LogCounter(os.path.join(directory, "log/delivery.log"))
        profiler = start_profiler(args.perf and dkim is None and args.perf + ".smtp", herald.pid)
        cpu_before = cpu_seconds(herald.pid)
        started = time.monotonic()
        rename_messages(spool, "m", 0, n)
        timeout = args.timeout or 60 + n / 200
        delivered, cpu, status, code, stop_time = finish_delivery(
            herald, counter, n, timeout, started, cpu_before, profiler, args.perf and args.perf + ".smtp")
        key = "smtp" if dkim is None else "smtp_dkim"
        results[key] = n / delivered if delivered else None
        results[key + "_rss"] = status.get("VmHWM", 0) / 1024
        log(f"  {label}: {fmt_rate(results[key])} msgs/s (first rename -> last delivered), daemon CPU {cpu:.2f} s "
            f"({1e6 * cpu / max(1, counter.counts['delivered']):.0f} µs per message), "
            f"peak RSS {results[key + '_rss']:.1f} MB")
        log(f"  events: {counter.summary()}")
        log(f"  {stopped_line(herald, code, stop_time)}")
