"""SIGHUP/SIGUSR1 (log reopen, config re-validation, templates), the shipped configs, and the read-only CLI tools."""
import json
import os
import signal
import subprocess
from pathlib import Path

from herald_harness import drop, file_channel, message, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_sighup_reopens_log_and_refuses_a_bad_config(make_daemon, tmp_path):
    """After logrotate moves the log, SIGHUP makes herald write a new one; a broken config is refused, work goes on."""
    daemon = make_daemon([file_channel(tmp_path / "outbox")])
    daemon.start()
    drop(daemon.spool, "one", message("one", channel="email"))
    wait_for(lambda: daemon.ids("delivered") == ["one"], 15, "first delivery")

    rotated = daemon.log.with_name("delivery.log.1")
    os.rename(daemon.log, rotated)
    good = daemon.config.read_text()
    daemon.config.write_text(good + "\n[retry]\nmin = \"soon\"\n")
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "new config refused" in daemon.stderr(), 10, "the refusal of the bad config")
    assert daemon.alive

    drop(daemon.spool, "two", message("two", channel="email"))
    wait_for(lambda: daemon.log.exists() and "two" in daemon.ids("delivered"), 15, "delivery logged in the new file")
    assert "two" not in rotated.read_text(), "after SIGHUP lines go to the new file, not the rotated one"
    daemon.config.write_text(good)
    daemon.proc.send_signal(signal.SIGUSR1)
    drop(daemon.spool, "three", message("three", channel="email"))
    wait_for(lambda: "three" in daemon.ids("delivered"), 15, "delivery after SIGUSR1")
    assert daemon.stop() == 0


def test_sighup_reloads_templates(make_daemon, tmp_path):
    """A template edited on disk is used after SIGHUP, not before (templates are cached)."""
    daemon = make_daemon([file_channel(tmp_path / "outbox")])
    template = daemon.root / "templates" / "hello.email.text.mustache"
    template.write_text("Hi {{name}}")
    daemon.start()
    drop(daemon.spool, "t1", {"id": "t1", "channel": "email", "to": {"email": "a@b.example"}, "template": "hello",
                              "data": {"name": "Ana"}})
    wait_for(lambda: (tmp_path / "outbox" / "t1.json").exists(), 15, "first rendering")
    template.write_text("Hello again, {{name}}")
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "templates reloaded" in daemon.stderr(), 10, "the reload")
    drop(daemon.spool, "t2", {"id": "t2", "channel": "email", "to": {"email": "a@b.example"}, "template": "hello",
                              "data": {"name": "Ana"}})
    wait_for(lambda: (tmp_path / "outbox" / "t2.json").exists(), 15, "second rendering")
    first = json.loads((tmp_path / "outbox" / "t1.json").read_text())["content"]["text"]
    second = json.loads((tmp_path / "outbox" / "t2.json").read_text())["content"]["text"]
    assert (first, second) == ("Hi Ana", "Hello again, Ana")
    assert daemon.stop() == 0


def test_shipped_dev_config_checks(herald_bin):
    """`herald check` accepts etc/herald.dev.toml, the config `make run` starts on."""
    result = subprocess.run([herald_bin, "check", "--config", str(ROOT / "etc/herald.dev.toml")], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "2 channel(s)" in result.stdout


def test_annotated_example_config_checks(herald_bin, tmp_path):
    """etc/herald.toml is valid once its credentials exist (read from $CREDENTIALS_DIRECTORY, as under systemd)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    pem = dict(encoding=serialization.Encoding.PEM, format=serialization.PrivateFormat.PKCS8,
               encryption_algorithm=serialization.NoEncryption())
    (tmp_path / "webhook-secret").write_text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
    (tmp_path / "callback-secret").write_text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
    (tmp_path / "smtp-password").write_text("relay password\n")
    (tmp_path / "unsubscribe-secret").write_text("0123456789abcdef0123456789abcdef\n")
    (tmp_path / "dkim-ed25519.pem").write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(**pem))
    (tmp_path / "dkim-rsa.pem").write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(**pem))
    env = dict(os.environ, CREDENTIALS_DIRECTORY=str(tmp_path))
    result = subprocess.run([herald_bin, "check", "--config", str(ROOT / "etc/herald.toml")], capture_output=True,
                            text=True, timeout=30, env=env)
    assert result.returncode == 0, result.stderr
    missing = subprocess.run([herald_bin, "check", "--config", str(ROOT / "etc/herald.toml")], capture_output=True,
                             text=True, timeout=30, env=dict(os.environ, CREDENTIALS_DIRECTORY=str(tmp_path / "none")))
    assert missing.returncode == 78
    assert "herald.toml:" in missing.stderr and "_file" in missing.stderr and "cannot read" in missing.stderr


def test_stats_and_tail(make_daemon, tmp_path):
    """`herald stats --by campaign` counts the log's events; `herald tail --no-follow --event` filters them."""
    daemon = make_daemon([file_channel(tmp_path / "outbox")])
    daemon.start()
    for n in range(3):
        drop(daemon.spool, f"s{n}", message(f"s{n}", channel="email", campaign="spring" if n else "autumn"))
    wait_for(lambda: len(daemon.ids("delivered")) == 3, 15, "three deliveries")
    stats = daemon.cli("stats", "--by", "campaign", "--since", "1h")
    assert stats.returncode == 0, stats.stderr
    rows = {line.split()[0]: line.split()[1:] for line in stats.stdout.splitlines()[1:]}
    header = stats.stdout.splitlines()[0].split()[1:]  # after the CAMPAIGN column
    assert rows["spring"][header.index("delivered")] == "2"
    assert rows["autumn"][header.index("delivered")] == "1"
    tail = daemon.cli("tail", "--no-follow", "--from-start", "--event", "accepted")
    assert tail.returncode == 0
    assert sorted(json.loads(line)["id"] for line in tail.stdout.splitlines()) == ["s0", "s1", "s2"]
    assert daemon.stop() == 0


def test_a_second_daemon_on_the_same_state_is_refused(make_daemon, herald_bin, tmp_path):
    """One `herald run` per state directory: a second one exits at once, naming the lock and the holder's pid;
    the CLI still works beside the running daemon, and after a stop the directory can be taken again."""
    daemon = make_daemon([file_channel(tmp_path / "out")]).start()
    second = subprocess.run([herald_bin, "run", "--config", str(daemon.config)], capture_output=True, text=True,
                            timeout=30, stdin=subprocess.DEVNULL)
    assert second.returncode != 0
    assert "another herald run holds" in second.stderr and f"pid {daemon.proc.pid}" in second.stderr, second.stderr
    assert daemon.cli("suppress", "list").returncode == 0, "CLI commands do not take the lock"
    drop(daemon.spool, "m1", message("m1", channel="email", to={"email": "a@example.com"},
                                     content={"subject": "S", "text": "t"}))
    wait_for(lambda: daemon.events("delivered", id="m1"), 30, "the first daemon still delivers")
    assert daemon.stop() == 0
    daemon.start()
    assert daemon.stop() == 0


def test_enqueue_without_id_prints_the_id_used_and_a_second_copy_is_a_duplicate(make_daemon, tmp_path):
    """`herald enqueue` of a message without `id`: the printed id is the daemon's, and the same file again is
    `duplicate`, not a second delivery."""
    outbox = tmp_path / "outbox"
    daemon = make_daemon([file_channel(outbox)])
    daemon.start()
    body = message("x", channel="email")
    del body["id"]
    source = tmp_path / "welcome.json"
    source.write_text(json.dumps(body, indent=2))
    printed = []
    for _ in range(2):
        result = daemon.cli("enqueue", str(source))
        assert result.returncode == 0, result.stderr
        printed.append(result.stdout.split(" queued as ")[1].split(" ")[0])
    assert printed[0] == printed[1] and printed[0].startswith("welcome-")
    wait_for(lambda: daemon.events("duplicate"), 15, lambda: f"a duplicate: {daemon.events()}")
    assert daemon.ids("accepted") == [printed[0]]
    assert daemon.ids("duplicate") == [printed[0]]
    wait_for(lambda: daemon.ids("delivered") == [printed[0]], 15, "the one delivery")
    assert sorted(p.name for p in outbox.iterdir()) == [printed[0] + ".json"]
    assert daemon.stop() == 0


def test_suppress_remove_is_logged_and_reports_every_reason(make_daemon, tmp_path):
    """A one-click unsubscribe never weakens a hard bounce; `herald suppress remove` lifts both and logs it."""
    daemon = make_daemon([file_channel(tmp_path / "outbox")])
    assert daemon.cli("suppress", "add", "--reason", "hard_bounce", "ana@example.com").returncode == 0
    assert daemon.cli("suppress", "add", "--reason", "unsubscribed", "ana@example.com").returncode == 0
    listed = daemon.cli("suppress", "list").stdout
    assert "ana@example.com\thard_bounce" in listed and "ana@example.com\tunsubscribed" in listed
    removed = daemon.cli("suppress", "remove", "ana@example.com")
    assert removed.returncode == 0 and "was: hard_bounce, unsubscribed" in removed.stdout
    [event] = daemon.events("unsuppressed")
    assert event["code"] == "email" and event["to"] == "ana@example.com"
    assert "hard_bounce" in event["detail"]
    assert daemon.cli("suppress", "remove", "ana@example.com").returncode == 1
