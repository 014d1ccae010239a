"""The `smtp` channel against real SMTP servers on loopback: aiosmtpd (STARTTLS, AUTH, scripted replies) and
Postfix's smtp-sink. What the server stores is parsed back with Python's `email` package and its DKIM signatures
are checked with dkimpy, an independent verifier."""
import base64
import email
import email.policy
import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path

import dkim
import pytest

from herald_harness import drop, message, smtp_channel, wait_for

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from test_ca import make_ca_and_server  # noqa: E402

UNSUB_SECRET = "k3y-for-unsubscribe-tokens-0123456789"

LANGUAGES = {
    "malay": ("Promosi istimewa untuk anda", "Siti Nurhaliza", "Troli anda masih menunggu.", "<p>Troli <b>anda</b></p>"),
    "persian": ("تخفیف ویژه برای شما", "مریم رضایی", "سبد خرید شما منتظر است.", "<p dir=\"rtl\">سبد <b>خرید</b></p>"),
    "vietnamese": ("Khuyến mãi đặc biệt dành cho bạn", "Nguyễn Thị Hương", "Giỏ hàng của bạn đang chờ.",
                   "<p>Giỏ <b>hàng</b> của bạn</p>"),
    "thai": ("ข้อเสนอพิเศษสำหรับคุณ วันนี้เท่านั้น", "สมชาย ใจดี", "ตะกร้าของคุณยังรออยู่", "<p>ตะกร้า<b>ของคุณ</b></p>"),
    "emoji": ("🎉 Flash sale 🛍️ ends tonight", "Ana 🌸 Lee", "Your cart 🛒 misses you. " * 20,
              "<p>🛒 <a href=\"https://shop.example/c\">Back to cart</a></p>"),
}


def mail(id, to, subject, text=None, html=None, name=None, category="marketing", **fields):
    content = {"subject": subject} | ({"text": text} if text else {}) | ({"html": html} if html else {})
    return message(id, channel="email", to={"email": to} | ({"name": name} if name else {}), content=content,
                   category=category, **fields)


def genkeys(directory):
    """An RSA-2048 and an Ed25519 key as PEM files, and their DNS TXT records as dkimpy's dnsfunc wants them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    pem = dict(encoding=serialization.Encoding.PEM, format=serialization.PrivateFormat.PKCS8,
               encryption_algorithm=serialization.NoEncryption())
    (directory / "rsa.pem").write_bytes(rsa_key.private_bytes(**pem))
    (directory / "ed.pem").write_bytes(ed_key.private_bytes(**pem))
    rsa_p = base64.b64encode(rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    ed_p = base64.b64encode(ed_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
    records = {b"rsa2026._domainkey.shop.example.": f"v=DKIM1; k=rsa; p={rsa_p}".encode(),
               b"ed2026._domainkey.shop.example.": f"v=DKIM1; k=ed25519; p={ed_p}".encode()}
    dkim_config = [{"domain": "shop.example", "selector": "ed2026", "key_file": str(directory / "ed.pem")},
                   {"domain": "shop.example", "selector": "rsa2026", "key_file": str(directory / "rsa.pem")}]
    return dkim_config, lambda name, timeout=5: records.get(name if name.endswith(b".") else name + b".")


def body_of(parsed, subtype):
    part = parsed.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None and part.get_content_subtype() == subtype else None


def test_multilingual_mail_parses_back_and_verifies_dkim(make_daemon, make_smtp, tmp_path):
    """Malay, Persian, Vietnamese, Thai and emoji messages arrive with the same subject, display name, text and
    HTML; no line is over 998 octets; both DKIM signatures (Ed25519 and RSA-2048) verify with dkimpy."""
    peer = make_smtp()
    dkim_config, dnsfunc = genkeys(tmp_path)
    daemon = make_daemon([smtp_channel(peer.url, dkim=dkim_config, unsubscribe_url="https://shop.example/u",
                                       unsubscribe_mailto="unsubscribe@shop.example", unsubscribe_secret=UNSUB_SECRET)])
    daemon.start()
    for lang, (subject, name, text, html) in LANGUAGES.items():
        drop(daemon.spool, lang, mail(lang, f"{lang}@example.net", subject, text, html, name=name))
    wait_for(lambda: len(daemon.events("delivered")) == len(LANGUAGES), 30,
             lambda: f"5 delivered; log: {daemon.events()}")
    received = {r["rcpt_tos"][0].split("@")[0]: r for r in peer.received()}
    assert sorted(received) == sorted(LANGUAGES)
    for lang, (subject, name, text, html) in LANGUAGES.items():
        raw = received[lang]["raw"]
        assert all(len(line) <= 998 for line in raw.split(b"\r\n")), f"{lang}: a line over 998 octets"
        assert all(byte < 128 for byte in raw), f"{lang}: 8-bit bytes in a message libcurl sends without 8BITMIME"
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["Subject"] == subject
        assert parsed["To"].addresses[0].display_name == name
        assert parsed["To"].addresses[0].addr_spec == f"{lang}@example.net"
        assert parsed["From"].addresses[0].display_name == "Kedai Contoh"
        assert body_of(parsed, "plain").rstrip("\r\n") == text
        assert body_of(parsed, "html").rstrip("\r\n") == html
        assert parsed["Message-ID"].endswith("@shop.example>")
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        signatures = parsed.get_all("DKIM-Signature")
        assert len(signatures) == 2 and "a=ed25519-sha256" in signatures[0] and "a=rsa-sha256" in signatures[1]
        for index in range(2):
            assert dkim.DKIM(raw).verify(idx=index, dnsfunc=dnsfunc), f"{lang}: DKIM signature {index} does not verify"
        tampered = raw.replace(b"Subject:", b"Subject: X", 1)
        assert not any(dkim.DKIM(tampered).verify(idx=i, dnsfunc=dnsfunc) for i in range(2)), "a changed subject must break both signatures"
    delivered = daemon.events("delivered")
    assert all(e["code"] == "250" and e["provider_id"].startswith("Q") for e in delivered), delivered
    assert daemon.stop() == 0


def test_list_unsubscribe_token_is_hmac_signed_and_marketing_only(make_daemon, make_smtp):
    """Marketing mail carries an https one-click URL whose token is HMAC-SHA256 over its payload under the
    configured secret (recomputed here); transactional mail carries no List-Unsubscribe."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url, unsubscribe_url="https://shop.example/u",
                                       unsubscribe_secret=UNSUB_SECRET)])
    daemon.start()
    drop(daemon.spool, "promo", mail("promo", "Ana@Example.net", "Sale", "Half price", campaign="winback"))
    drop(daemon.spool, "receipt", mail("receipt", "ana@example.net", "Receipt", "Paid", category="transactional"))
    wait_for(lambda: len(daemon.events("delivered")) == 2, 30, "2 delivered")
    by_id = {email.message_from_bytes(r["raw"], policy=email.policy.default)["Subject"]: r for r in peer.received()}
    promo = email.message_from_bytes(by_id["Sale"]["raw"], policy=email.policy.default)
    receipt = email.message_from_bytes(by_id["Receipt"]["raw"], policy=email.policy.default)
    assert receipt["List-Unsubscribe"] is None and receipt["List-Unsubscribe-Post"] is None
    url = str(promo["List-Unsubscribe"]).strip("<>")
    assert url.startswith("https://shop.example/u/")
    token = url.rsplit("/", 1)[1]
    version, payload, mac = token.split(".")
    assert version == "v1"
    expected = hmac.new(UNSUB_SECRET.encode(), f"v1.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4)) == expected
    fields = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("\n")
    assert fields == ["email", "ana@example.net", "winback"]
    assert daemon.stop() == 0


@pytest.mark.parametrize("mechanism", ["plain", "login"])
def test_starttls_and_auth_with_private_ca(make_daemon, make_smtp, tmp_path, mechanism):
    """STARTTLS required, the server's certificate from a private CA trusted through ca_file, AUTH PLAIN/LOGIN
    with the password read from a file; the server saw TLS and an authenticated session."""
    ca, cert, key = make_ca_and_server(tmp_path)
    peer = make_smtp(tls=(cert, key), require_tls=True, auth="herald:s3cret pass")
    (tmp_path / "smtp-password").write_text("s3cret pass\n")
    daemon = make_daemon([smtp_channel(peer.url, starttls="required", ca_file=str(ca), username="herald",
                                       password_file=str(tmp_path / "smtp-password"), auth=mechanism)])
    daemon.start()
    for n in range(3):
        drop(daemon.spool, f"tls-{n}", mail(f"tls-{n}", f"tls{n}@example.net", "Welcome", "Hello"))
    wait_for(lambda: len(daemon.events("delivered")) == 3, 30, lambda: f"3 delivered: {daemon.events()}")
    received = peer.received()
    assert len(received) == 3
    assert all(r["tls"] and r["auth"] for r in received), received
    assert daemon.stop() == 0


def test_wrong_password_pauses_the_channel(make_daemon, make_smtp, tmp_path):
    """535 to AUTH: credentials invalid, the channel pauses and the message waits, neither sent nor failed."""
    ca, cert, key = make_ca_and_server(tmp_path)
    peer = make_smtp(tls=(cert, key), require_tls=True, auth="herald:right")
    daemon = make_daemon([smtp_channel(peer.url, starttls="required", ca_file=str(ca), username="herald",
                                       password="wrong", credentials_pause="1h")])
    daemon.start()
    drop(daemon.spool, "auth-1", mail("auth-1", "ana@example.net", "Hi", "Hello"))
    wait_for(lambda: daemon.events("paused", id="auth-1"), 30, lambda: f"a paused event: {daemon.events()}")
    [paused] = daemon.events("paused", id="auth-1")
    assert paused["code"] == "535", paused
    assert peer.received() == [] and not daemon.events("failed")
    assert daemon.queue_counts().get(("email", "deferred")) == 1
    assert daemon.stop() == 0


def test_untrusted_certificate_is_not_used(make_daemon, make_smtp, tmp_path):
    """STARTTLS to a server whose CA is not trusted: curl:60, paused; nothing is sent in clear instead."""
    _, cert, key = make_ca_and_server(tmp_path)
    peer = make_smtp(tls=(cert, key))
    daemon = make_daemon([smtp_channel(peer.url, starttls="required", credentials_pause="1h")])
    daemon.start()
    drop(daemon.spool, "cert-1", mail("cert-1", "ana@example.net", "Hi", "Hello"))
    wait_for(lambda: daemon.events("paused", id="cert-1"), 30, lambda: f"a paused event: {daemon.events()}")
    assert daemon.events("paused", id="cert-1")[0]["code"] == "curl:60"
    assert peer.received() == []
    assert daemon.stop() == 0


def test_replies_map_to_outcomes(make_daemon, make_smtp):
    """421 and 451 4.7.1 throttle the channel, 450 defers, 550 5.1.1 and 554 dead-letter, each logged with the
    server's own code and text; once451 goes through on the retry; a good recipient is delivered."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url)], retry={"min": "200ms", "max": "1s"})
    daemon.start()
    for local in ["r421", "r450", "r451", "r550", "r554", "once451", "good"]:
        drop(daemon.spool, local, mail(local, f"{local}@example.net", "Hi", "Hello"))
    wait_for(lambda: daemon.events("failed", id="r550") and daemon.events("failed", id="r554")
             and daemon.events("delivered", id="once451") and daemon.events("delivered", id="good")
             and daemon.events("throttled", id="r421") and daemon.events("throttled", id="r451")
             and daemon.events("deferred", id="r450"), 60, lambda: f"every outcome; log: {daemon.events()}")
    [r550] = daemon.events("failed", id="r550")
    assert r550["code"] == "550" and "5.1.1" in r550["detail"] and "recipient" in r550["detail"].lower(), r550
    assert daemon.events("failed", id="r554")[0]["code"] == "554"
    assert daemon.events("throttled", id="r421")[0]["code"] == "421"
    assert daemon.events("throttled", id="r451")[0]["detail"].startswith("4.7.1")
    assert daemon.events("delivered", id="once451")[0]["attempt"] == 2
    assert daemon.events("deferred", id="r450")[0]["code"] == "450"
    failed_dir = daemon.spool / "failed"
    assert (failed_dir / "r550.json").exists() and (failed_dir / "r554.json").exists()
    accepted = [r["rcpt_tos"][0] for r in peer.received()]
    assert sorted(accepted) == ["good@example.net", "once451@example.net"]
    daemon.kill()


def test_connections_are_reused(make_daemon, make_smtp):
    """40 messages at concurrency 2 travel over a handful of connections, not 40 (source ports seen by the
    server)."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url, concurrency=2)])
    daemon.start()
    for n in range(40):
        drop(daemon.spool, f"reuse-{n}", mail(f"reuse-{n}", f"reuse{n}@example.net", "Hi", "Hello"))
    wait_for(lambda: len(daemon.events("delivered")) == 40, 60, "40 delivered")
    ports = {r["peer"][1] for r in peer.received()}
    assert len(peer.received()) == 40
    assert len(ports) <= 4, f"40 messages used {len(ports)} connections"
    assert daemon.stop() == 0


def test_smtp_sink_takes_a_thousand(make_daemon, smtp_sink):
    """1,000 messages to Postfix's smtp-sink: every one delivered exactly once, none failed."""
    daemon = make_daemon([smtp_channel(smtp_sink.url, concurrency=16)])
    daemon.start()
    for n in range(1000):
        drop(daemon.spool, f"sink-{n}", mail(f"sink-{n}", f"user{n}@example.net", "Hi", "Hello"))
    wait_for(lambda: len(daemon.events("delivered")) >= 1000, 120,
             lambda: f"1000 delivered, have {len(daemon.events('delivered'))}")
    assert sorted(daemon.ids("delivered")) == sorted(f"sink-{n}" for n in range(1000))
    assert not daemon.events("failed")
    assert daemon.stop() == 0


def test_header_injection_never_reaches_the_wire(make_daemon, make_smtp):
    """CR/LF in a subject, display name, address or custom header is refused at intake with the field named, and
    nothing of it is sent. A subject template is one line whatever its data holds: a line break from data is
    folded into a space, so it can never start a header of its own."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url)])
    (daemon.root / "templates" / "inj.email.subject.mustache").write_text("Hello {{name}}")
    (daemon.root / "templates" / "inj.email.text.mustache").write_text("Body")
    daemon.start()
    cases = {
        "subj": (mail("subj", "a@example.net", "Hi\r\nBcc: victim@example.org", "x"), "content.subject"),
        "name": (mail("name", "a@example.net", "Hi", "x", name="Ana\r\nBcc: victim@example.org"), "to.name"),
        "addr": (mail("addr", "a@example.net\r\nRCPT TO:<victim@example.org>", "Hi", "x"), "to.email"),
        "hdr": (mail("hdr", "a@example.net", "Hi", "x", headers={"X-Campaign": "a\r\nBcc: victim@example.org"}),
                "headers.X-Campaign"),
    }
    for name, (body, _) in cases.items():
        drop(daemon.spool, name, body)
    templated = message("tmpl", channel="email", to={"email": "a@example.net"}, template="inj",
                        data={"name": "Ana\r\nBcc: victim@example.org"})
    templated.pop("content")
    drop(daemon.spool, "tmpl", templated)
    drop(daemon.spool, "fine", mail("fine", "fine@example.net", "Hi", "x"))
    wait_for(lambda: len(daemon.events("rejected")) == 4 and daemon.events("delivered", id="tmpl")
             and daemon.events("delivered", id="fine"), 30, lambda: f"outcomes; log: {daemon.events()}")
    for name, (_, field) in cases.items():
        error = (daemon.spool / "rejected" / f"{name}.error.json").read_text()
        assert field in error, (name, error)
        assert not (daemon.spool / "incoming" / f"{name}.json").exists()
    received = peer.received()
    assert sorted(r["rcpt_tos"][0] for r in received) == ["a@example.net", "fine@example.net"]
    assert all(b"victim" not in r["raw"] for r in received if r["rcpt_tos"] == ["fine@example.net"])
    [templated_raw] = [r["raw"] for r in received if r["rcpt_tos"] == ["a@example.net"]]
    parsed = email.message_from_bytes(templated_raw, policy=email.policy.default)
    assert parsed.get_all("Subject") == ["Hello Ana Bcc: victim@example.org"]
    assert parsed.get_all("Bcc") is None
    assert daemon.stop() == 0


def test_check_reports_bad_email_config(make_daemon, tmp_path):
    """herald check names the key and the reason for a bad url, from address, DKIM key and unsubscribe URL."""
    (tmp_path / "bad.pem").write_text("not a key")
    bad = [({"url": "http://relay:25"}, "url"), ({"from": "no-at-sign"}, "from"),
           ({"dkim": {"domain": "shop.example", "selector": "s1", "key_file": str(tmp_path / "bad.pem")}}, "dkim"),
           ({"unsubscribe_url": "http://shop.example/u", "unsubscribe_secret": UNSUB_SECRET}, "unsubscribe_url"),
           ({"starttls": "sometimes"}, "starttls")]
    for n, (override, key) in enumerate(bad):
        daemon = make_daemon([smtp_channel("smtp://127.0.0.1:2525") | override], root=tmp_path / f"c{n}")
        result = daemon.cli("check")
        assert result.returncode == 78, (override, result.stdout, result.stderr)
        assert key in result.stderr, (key, result.stderr)


def test_domain_rate_spreads_one_domain_not_the_others(make_daemon, make_smtp):
    """domain_rate = { "gmail.com" = "10/s" }: 20 gmail.com messages are spread over about two seconds, while 20
    messages to other domains go out at once beside them; none is lost or counted as a failed attempt."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url, domain_rate={"gmail.com": "10/s"})])
    daemon.start()
    for n in range(20):
        drop(daemon.spool, f"g-{n}", mail(f"g-{n}", f"user{n}@GMail.com", "Hi", "Hello"))
        drop(daemon.spool, f"o-{n}", mail(f"o-{n}", f"user{n}@example.net", "Hi", "Hello"))
    wait_for(lambda: len(daemon.events("delivered")) == 40, 60, lambda: f"40 delivered: {len(daemon.events('delivered'))}")
    times = {domain: sorted(r["t"] for r in peer.received() if r["rcpt_tos"][0].lower().endswith(domain))
             for domain in ("@gmail.com", "@example.net")}
    assert len(times["@gmail.com"]) == 20 and len(times["@example.net"]) == 20
    gmail_span = times["@gmail.com"][-1] - times["@gmail.com"][0]
    assert gmail_span >= 1.4, f"20 gmail.com messages at 10/s took only {gmail_span:.2f}s"
    assert times["@example.net"][-1] < times["@gmail.com"][-1], "other domains must not wait behind gmail.com"
    assert all(e["attempt"] == 1 for e in daemon.events("delivered")), "a domain hold is not an attempt"
    assert not daemon.events("failed") and not daemon.events("deferred")
    assert daemon.stop() == 0


def test_peer_text_quoting_the_recipient_is_masked_everywhere(make_daemon, make_smtp):
    """A 550 that quotes the address (`550 5.1.1 <r550@…>: Recipient address rejected`) is stored masked: in the
    delivery log's detail, the dead letter's reason and attempts, the suppression's source and the daemon's own
    log; only the original message inside the dead letter keeps it, for requeue."""
    peer = make_smtp()
    daemon = make_daemon([smtp_channel(peer.url)], recipients="masked").start()
    drop(daemon.spool, "quoted", message("quoted", channel="email", to={"email": "r550@example.net"}))
    wait_for(lambda: daemon.events("failed", id="quoted"), 30, lambda: f"failed: {daemon.events()}")
    assert daemon.stop() == 0
    clear = "r550@example.net"
    [failed] = daemon.events("failed", id="quoted")
    assert "r***@example.net" in failed["detail"] and clear not in failed["detail"], failed
    assert clear not in daemon.log.read_text()
    dead = json.loads((daemon.spool / "failed" / "quoted.json").read_text())
    assert clear not in dead["reason"] and clear not in json.dumps(dead["attempts"])
    assert dead["message"]["to"]["email"] == clear
    source = [line.split("\t")[4] for line in daemon.cli("suppress", "list").stdout.splitlines()[1:]]
    assert source and all(clear not in s and "r***@example.net" in s for s in source), source
    assert clear not in daemon.stderr()
