"""The smtp phase: N emails to Postfix's smtp-sink, without and with DKIM, beside smtp-source's wire rate."""

import os

from benchlib.end_to_end import run_end_to_end
from benchlib.peers import run_smtp_source, start_smtp_sink
from benchlib.report import fmt_rate, log, stopped_line


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
        herald, counter, (delivered, cpu, status, code, stop_time) = run_end_to_end(
            args, directory, channel, cleanup, n, "m", lambda i: EMAIL_MESSAGE % ("m", i, "email", i),
            args.perf and dkim is None and args.perf + ".smtp", 200)
        key = "smtp" if dkim is None else "smtp_dkim"
        results[key] = n / delivered if delivered else None
        results[key + "_rss"] = status.get("VmHWM", 0) / 1024
        log(f"  {label}: {fmt_rate(results[key])} msgs/s (first rename -> last delivered), daemon CPU {cpu:.2f} s "
            f"({1e6 * cpu / max(1, counter.counts['delivered']):.0f} µs per message), "
            f"peak RSS {results[key + '_rss']:.1f} MB")
        log(f"  events: {counter.summary()}")
        log(f"  {stopped_line(herald, code, stop_time)}")
