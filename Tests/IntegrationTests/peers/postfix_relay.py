"""A private Postfix instance on loopback (Debian's postfix package, its own config, queue and data directories
under the test's tmp directory): it accepts mail from Herald on one port, relays it to a next hop, and delivers
mail for a bounce domain into a Maildir through virtual(8), as the README's set-up does. So the DSNs a test sees
are Postfix's own. Started with `postfix -c DIR start`, stopped with `postfix -c DIR stop`."""
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from herald_harness import free_port, listening

MASTER_CF = """\
{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class PostfixRelay:
    def __init__(self, next_hop_port, bounce_domain="bounce.test", bounce_user="bounces"):
        if not shutil.which("postfix") and not os.path.exists("/usr/sbin/postfix"):
            raise AssertionError("postfix not found: apt-get install postfix (make test-deps does)")
        # Not under pytest's tmp_path: that is 0700 root's, and Postfix's daemons run as postfix and nobody.
        self.root = Path(tempfile.mkdtemp(prefix="herald-postfix-"))
        os.chmod(self.root, 0o755)
        self.config = self.root / "etc"
        for sub in ("etc", "queue", "data", "vmail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        postfix = pwd.getpwnam("postfix")
        os.chown(self.root / "data", postfix.pw_uid, postfix.pw_gid)
        nobody = pwd.getpwnam("nobody")
        self.maildir = self.root / "vmail" / "maildir"
        for sub in ("", "tmp", "new", "cur"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
            os.chown(self.maildir / sub, nobody.pw_uid, nobody.pw_gid)
        os.chown(self.root / "vmail", nobody.pw_uid, nobody.pw_gid)
        self.port = free_port()
        self.bounce_address = f"{bounce_user}@{bounce_domain}"
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.root / "queue",
            "data_directory": self.root / "data",
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "relay.test",
            "mydomain": "relay.test",
            "myorigin": "relay.test",
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "relayhost": f"[127.0.0.1]:{next_hop_port}",
            "smtp_tls_security_level": "none",
            "smtp_dns_support_level": "disabled",
            "disable_dns_lookups": "yes",
            "recipient_delimiter": "+",
            "virtual_mailbox_domains": bounce_domain,
            "virtual_mailbox_base": self.root / "vmail",
            "virtual_mailbox_maps": f"inline:{{ {self.bounce_address}=maildir/ }}",
            "virtual_uid_maps": f"static:{nobody.pw_uid}",
            "virtual_gid_maps": f"static:{nobody.pw_gid}",
            "virtual_minimum_uid": "100",
            "maillog_file": self.root / "maillog",
            "maillog_file_prefixes": self.root,
            "biff": "no",
            "delay_warning_time": "0h",
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtp_connect_timeout": "5s",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
        }
        (self.config / "main.cf").write_text("".join(f"{k} = {v}\n" for k, v in main.items()))
        (self.config / "master.cf").write_text(MASTER_CF.format(port=f"127.0.0.1:{self.port}"))
        self._postfix("start")
        deadline = time.monotonic() + 20
        while not listening(self.port):
            if time.monotonic() > deadline:
                raise AssertionError(f"postfix did not listen on {self.port}: {self.log()}")
            time.sleep(0.1)
        self.url = f"smtp://127.0.0.1:{self.port}"

    def _postfix(self, command):
        result = subprocess.run(["postfix", "-c", str(self.config), command], capture_output=True, text=True, timeout=60)
        if result.returncode != 0 and command != "stop":
            # Postfix writes its startup errors to syslog or a terminal, neither of which a test has: the maillog
            # has what came after postlogd started, `postfix check` under a pseudo-terminal what came before.
            check = subprocess.run(["script", "-qc", f"postfix -c {self.config} check", "/dev/null"],
                                   capture_output=True, text=True, timeout=60)
            raise AssertionError(f"postfix {command} failed: {check.stdout}{self.log()[-3000:]}")

    def log(self):
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        self._postfix("stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def queue_empty(self):
        """No mail waits in any of the instance's queues."""
        return not any(p.is_file() for sub in ("incoming", "active", "deferred", "maildrop")
                       for p in (self.root / "queue" / sub).rglob("*"))
