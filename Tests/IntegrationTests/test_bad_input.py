"""Bad spool input: every broken file lands in rejected/ unchanged with the right error, and good ones still go out."""
import json
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest

from herald_harness import drop, file_channel, message, wait_for

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
MAX_SIZE = 2048


def channels(tmp_path):
    """Two file channels and an smtp one (never reached: its port is closed), whose plugin declares header rules
    and the recipient fields it needs."""
    return [file_channel(tmp_path / "outbox"), file_channel(tmp_path / "archive", name="archive"),
            {"name": "mail", "plugin": "smtp", "url": "smtp://127.0.0.1:9", "starttls": "none",
             "from": "Shop <news@shop.example>"}]


def start(make_daemon, tmp_path):
    return make_daemon(channels(tmp_path), intake={"max_size": MAX_SIZE}).start()


def drop_special(spool, name, make):
    """Creates a non-regular entry in tmp/ with `make(path)` and renames it into incoming/."""
    make(spool / "tmp" / name)
    os.rename(spool / "tmp" / name, spool / "incoming" / name)


def test_corpus_is_rejected_precisely(make_daemon, tmp_path):
    """Each corpus file (plus symlink, FIFO, directory, oversize) is rejected unchanged with its code and field."""
    assert len(EXPECTED) >= 30
    daemon = start(make_daemon, tmp_path)
    spool = daemon.spool
    expected = dict(EXPECTED)
    originals = {}
    good = [f"good-{n}" for n in range(10)]
    for index, name in enumerate(sorted(EXPECTED)):
        originals[name] = drop(spool, name, (CORPUS / name).read_bytes())
        if index % 5 == 0 and index // 5 < len(good):  # a good file after every fifth bad one
            drop(spool, good[index // 5], message(good[index // 5], channel="email"))

    target = tmp_path / "target.json"
    target.write_text(json.dumps(message("via-symlink", channel="email")))
    drop_special(spool, "symlink.json", lambda p: os.symlink(target, p))
    drop_special(spool, "fifo.json", os.mkfifo)
    drop_special(spool, "directory.json", os.mkdir)
    big = message("too-big", channel="email", data={"pad": "x" * (MAX_SIZE + 100)})
    originals["too_large.json"] = drop(spool, "too_large.json", big)
    expected |= {name: {"error": "not_regular_file", "field": None}
                 for name in ("symlink.json", "fifo.json", "directory.json")}
    expected["too_large.json"] = {"error": "too_large", "field": None}

    rejected = spool / "rejected"
    missing = lambda: [n for n in expected if not (rejected / n.replace(".json", ".error.json")).exists()]
    wait_for(lambda: not missing(), 30, lambda: f"an .error.json for every bad file; missing: {missing()}")
    wait_for(lambda: len(daemon.events("delivered")) >= len(good), 30, "the good files delivered")
    assert daemon.alive, "herald died on bad input"

    for name, want in expected.items():
        error = json.loads((rejected / name.replace(".json", ".error.json")).read_text())
        got = (error["error"], error.get("field"))
        assert got == (want["error"], want["field"]), f"{name}: got {got}, want {want}"
        assert error["file"] == name and error["detail"]
        datetime.fromisoformat(error["at"].replace("Z", "+00:00"))
        if name in originals:
            assert (rejected / name).read_bytes() == originals[name], f"{name} was changed on its way to rejected/"
    assert os.readlink(rejected / "symlink.json") == str(target)
    assert stat.S_ISFIFO(os.lstat(rejected / "fifo.json").st_mode)
    assert (rejected / "directory.json").is_dir()

    logged = {e["file"]: (e["code"], e.get("field")) for e in daemon.events("rejected")}
    assert logged == {name: (want["error"], want["field"]) for name, want in expected.items()}
    assert sorted(daemon.ids("delivered")) == sorted(good)
    assert sorted(p.name for p in (tmp_path / "outbox").glob("*.json")) == sorted(g + ".json" for g in good)
    assert not list((spool / "incoming").iterdir())
    assert daemon.stop() == 0


def test_dangling_symlink_is_rejected(make_daemon, tmp_path):
    """A symlink whose target does not exist is rejected like any symlink, not left in incoming/ forever."""
    daemon = start(make_daemon, tmp_path)
    drop_special(daemon.spool, "dangling.json", lambda p: os.symlink(tmp_path / "nowhere.json", p))
    drop(daemon.spool, "after", message("after", channel="email"))
    wait_for(lambda: daemon.events("delivered", "after"), 15, "a good file dropped after it delivered")
    rejected = daemon.spool / "rejected"
    wait_for(lambda: (rejected / "dangling.error.json").exists(), 5,
             lambda: f"rejected/dangling.error.json; incoming/ still holds {os.listdir(daemon.spool / 'incoming')}")
    assert json.loads((rejected / "dangling.error.json").read_text())["error"] == "not_regular_file"
    assert os.path.islink(rejected / "dangling.json")


def test_ignored_names_are_left_alone(make_daemon, tmp_path):
    """Dot-files, *.tmp and non-.json names in incoming/ are neither read, rejected nor deleted."""
    daemon = start(make_daemon, tmp_path)
    incoming = daemon.spool / "incoming"
    for name in (".hidden.json", "half.json.tmp", "notes.txt"):
        (incoming / name).write_text("not a message")
    drop(daemon.spool, "after", message("after", channel="email"))
    wait_for(lambda: daemon.events("delivered", "after"), 15, "a good file delivered")
    assert sorted(p.name for p in incoming.iterdir()) == [".hidden.json", "half.json.tmp", "notes.txt"]
    assert not list((daemon.spool / "rejected").iterdir()) and not daemon.events("rejected")


def test_error_file_has_documented_keys(make_daemon, tmp_path):
    """NAME.error.json has exactly the documented keys file, error, field, detail, at, even when field is null."""
    daemon = start(make_daemon, tmp_path)
    drop(daemon.spool, "broken", b'{"id": ')
    drop(daemon.spool, "typo", message("typo", channel="email", subjct="x"))
    error_files = [daemon.spool / "rejected" / n for n in ("broken.error.json", "typo.error.json")]
    wait_for(lambda: all(p.exists() for p in error_files), 15, "both error files")
    for path in error_files:
        assert set(json.loads(path.read_text())) == {"file", "error", "field", "detail", "at"}, path.name


def test_same_name_rejected_twice_keeps_both(make_daemon, tmp_path):
    """A second bad file with an already-rejected name is kept beside the first, not over it."""
    daemon = start(make_daemon, tmp_path)
    drop(daemon.spool, "twice", b"first")
    wait_for(lambda: (daemon.spool / "rejected" / "twice.error.json").exists(), 15, "first reject")
    drop(daemon.spool, "twice", b"second")
    wait_for(lambda: len(daemon.events("rejected")) == 2, 15, "second reject")
    contents = sorted(p.read_bytes() for p in (daemon.spool / "rejected").glob("twice*.json")
                      if not p.name.endswith(".error.json"))
    assert contents == [b"first", b"second"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_enqueue_refuses_corpus_file(make_daemon, tmp_path, name):
    """`herald enqueue` refuses each corpus file with exit 65 and drops nothing into the spool."""
    daemon = make_daemon(channels(tmp_path))
    result = daemon.cli("enqueue", str(CORPUS / name))
    assert result.returncode == 65, (result.stdout, result.stderr)
    assert EXPECTED[name]["error"] in result.stderr
    incoming = daemon.spool / "incoming"
    assert not incoming.exists() or not list(incoming.iterdir())


def test_a_name_that_is_not_utf8_is_rejected_not_left_behind(make_daemon, tmp_path):
    """A `*.json` whose name is not valid UTF-8 is moved to rejected/ (bytes escaped as %XX) with bad_file_name."""
    daemon = start(make_daemon, tmp_path)
    raw = b"caf\xe9-\xff.json"
    incoming = os.fsencode(daemon.spool / "incoming")
    with open(os.path.join(os.fsencode(daemon.spool / "tmp"), raw), "wb") as f:
        f.write(json.dumps(message("latin1", channel="email")).encode())
    os.rename(os.path.join(os.fsencode(daemon.spool / "tmp"), raw), os.path.join(incoming, raw))
    drop(daemon.spool, "after", message("after", channel="email"))
    wait_for(lambda: daemon.events("rejected"), 15, "the badly named file rejected")
    assert os.listdir(incoming) == [], "the file was left in incoming/"
    rejected = daemon.spool / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == ["caf%E9-%FF.error.json", "caf%E9-%FF.json"]
    error = json.loads((rejected / "caf%E9-%FF.error.json").read_text())
    assert error["error"] == "bad_file_name" and error["file"] == "caf%E9-%FF.json" and error["field"] is None
    assert daemon.events("rejected")[0]["file"] == "caf%E9-%FF.json"
    wait_for(lambda: daemon.events("delivered", "after"), 15, "a good file still delivered")
    assert not daemon.events("accepted", "latin1")
