"""Power-loss durability, checked by the order of system calls under strace (a power cut cannot be staged in a
test): a spool file is unlinked only after the WAL holding its message was synced, a dead letter and a reject are
synced (file, then directory) before the queue row or the log line that depends on them, and a one-click
unsubscribe is on disk before its 200."""
import pytest

import syscall_trace
from herald_harness import drop, file_channel, message, smtp_channel, wait_for, webhook_channel

pytestmark = pytest.mark.skipif(syscall_trace.STRACE is None, reason="strace is not installed (make test-deps)")


def test_spool_files_are_unlinked_only_after_the_queue_commit_is_synced(make_daemon, tmp_path):
    trace = tmp_path / "intake.strace"
    daemon = make_daemon([file_channel(tmp_path / "out")])
    for sub in ("incoming", "tmp"):
        (daemon.spool / sub).mkdir(parents=True, exist_ok=True)
    ids = [f"sync-{n:02d}" for n in range(30)]
    daemon.start(prefix=syscall_trace.prefix(trace))
    for id in ids:
        drop(daemon.spool, id, message(id, channel="email"))
    wait_for(lambda: len(daemon.ids("accepted")) == len(ids), 30, "30 accepted")
    assert daemon.stop() == 0

    calls = syscall_trace.parse(trace)
    wal_syncs = syscall_trace.syncs(calls, "/queue.sqlite-wal")
    assert wal_syncs, "the queue's WAL was never synced"
    for id in ids:
        name = f'"{id}.json"'
        opened = [c for c in calls if c.name == "openat" and name in c.args and (c.fd_path() or "").endswith("/incoming")]
        unlinked = [c for c in calls if c.name == "unlinkat" and name in c.args]
        assert opened and unlinked, f"{id}: not read and unlinked through incoming/ ({len(opened)}, {len(unlinked)})"
        read, gone = opened[-1].end, unlinked[0].start
        assert any(read < s.end < gone for s in wal_syncs), f"{id}: unlinked before any WAL sync after it was read"


def test_a_dead_letter_is_synced_before_the_queue_row_changes(make_daemon, make_receiver, tmp_path):
    trace = tmp_path / "dead.strace"
    receiver = make_receiver(plan={"ids": {"dead-1": [400]}})
    daemon = make_daemon([webhook_channel(receiver)])
    daemon.start(prefix=syscall_trace.prefix(trace))
    drop(daemon.spool, "dead-1", message("dead-1"))
    wait_for(lambda: daemon.events("failed", id="dead-1"), 30, "dead-1 failed")
    assert daemon.stop() == 0
    assert (daemon.spool / "failed" / "dead-1.json").exists()

    calls = syscall_trace.parse(trace)
    renamed = [c for c in calls if c.name.startswith("rename") and "/failed/dead-1.json" in c.args]
    assert len(renamed) == 1
    file_sync = [c for c in syscall_trace.syncs(calls, "/failed/.dead-1.json.tmp") if c.end < renamed[0].start]
    assert file_sync, "the dead letter was renamed into place before its data was synced"
    dir_sync = [c for c in syscall_trace.syncs(calls, "/failed") if c.start > renamed[0].end]
    assert dir_sync, "failed/ was not synced after the rename"
    queue_writes = [c for c in calls if c.name in ("pwrite64", "write") and (c.fd_path() or "").endswith("/queue.sqlite-wal")
                    and c.start > renamed[0].end]
    assert queue_writes, "the failed state was never written"
    assert dir_sync[0].end < queue_writes[0].start, "the queue row changed before failed/ was synced"


def test_a_reject_is_synced_before_it_is_logged(make_daemon, tmp_path):
    trace = tmp_path / "reject.strace"
    daemon = make_daemon([file_channel(tmp_path / "out")])
    daemon.start(prefix=syscall_trace.prefix(trace))
    drop(daemon.spool, "broken", b"{not json")
    wait_for(lambda: daemon.events("rejected"), 30, "the reject logged")
    assert daemon.stop() == 0

    calls = syscall_trace.parse(trace)
    moved = [c for c in calls if c.name.startswith("rename") and '/incoming/broken.json' in c.args]
    assert len(moved) == 1
    error_sync = syscall_trace.syncs(calls, "/rejected/.broken.error.json.tmp")
    assert error_sync and error_sync[0].end < moved[0].start, "the error file was not synced before the move"
    logged = [c for c in calls if c.name == "write" and (c.fd_path() or "").endswith("/delivery.log")
              and '\\"rejected\\"' in c.args]
    assert logged, "no rejected line written"
    for directory in ("/rejected", "/incoming"):
        synced = [c for c in syscall_trace.syncs(calls, directory) if moved[0].end < c.end < logged[0].start]
        assert synced, f"{directory} was not synced between the move and the log line"


def test_a_one_click_unsubscribe_is_on_disk_before_its_200(make_daemon, make_smtp, tmp_path):
    import email
    import email.policy
    import urllib.request

    from herald_harness import free_port

    port = free_port()
    trace = tmp_path / "oneclick.strace"
    peer = make_smtp()
    base = f"http://127.0.0.1:{port}"
    daemon = make_daemon([smtp_channel(peer.url, unsubscribe_url=base + "/u",
                                       unsubscribe_secret="k3y-for-unsubscribe-tokens-0123456789")],
                         http={"listen": f"127.0.0.1:{port}"})
    daemon.start(prefix=syscall_trace.prefix(
        trace, "fsync,fdatasync,read,readv,recvfrom,recvmsg,write,writev,sendto,sendmsg"))
    drop(daemon.spool, "promo", message("promo", channel="email", to={"email": "siti@example.my"}))
    wait_for(lambda: daemon.events("delivered", id="promo"), 30, "the promotion delivered")
    parsed = email.message_from_bytes(peer.received()[0]["raw"], policy=email.policy.default)
    url = str(parsed["List-Unsubscribe"]).split(",")[0].strip().strip("<>")
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert urllib.request.urlopen(request, timeout=10).status == 200
    assert daemon.stop() == 0

    calls = syscall_trace.parse(trace)
    posted = [c for c in calls if c.name in ("read", "readv", "recvfrom", "recvmsg") and "POST /u/" in c.args]
    answered = [c for c in calls if c.name in ("write", "writev", "sendto", "sendmsg") and "HTTP/1.1 200" in c.args
                and posted and c.start > posted[0].end]
    assert posted and answered, "the POST and its answer were not seen"
    synced = [c for c in syscall_trace.syncs(calls, "/policy.sqlite-wal") if posted[0].end < c.end < answered[0].start]
    assert synced, "200 was answered before the unsubscribe's commit was synced"
