"""A private Dovecot (Debian's dovecot-imapd and dovecot-pop3d) on loopback for the bounce-mailbox tests: IMAPS
and POP3S only (plain-text logins refused), a TLS certificate from the test's private CA, one user from a
passwd-file, mail in a Maildir under a private directory. Started with `dovecot -c CONF`, stopped with
`doveadm -c CONF stop`; nothing of the system's Dovecot set-up is read or touched."""
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from herald_harness import free_port, listening
from test_ca import make_ca_and_server

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = {pop3s}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    def __init__(self, user="bounces", password="imap-test-password"):
        if not shutil.which("dovecot") and not os.path.exists("/usr/sbin/dovecot"):
            raise AssertionError("dovecot not found: apt-get install dovecot-imapd dovecot-pop3d (make test-deps does)")
        # Not under pytest's tmp_path (0700 root's): Dovecot's login processes run as dovenull, mail as nobody.
        self.root = Path(tempfile.mkdtemp(prefix="herald-dovecot-"))
        os.chmod(self.root, 0o755)
        self.user, self.password = user, password
        (self.root / "tls").mkdir()
        self.ca, cert, key = make_ca_and_server(self.root / "tls")
        nobody = pwd.getpwnam("nobody")
        self.maildir = self.root / "home" / user / "Maildir"
        for sub in ("tmp", "new", "cur"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        for path in [self.root / "home", self.root / "home" / user, self.maildir] + [self.maildir / s for s in ("tmp", "new", "cur")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        (self.root / "users").write_text(f"{user}:{{PLAIN}}{password}\n")
        self.imaps, self.pop3s = free_port(), free_port()
        self.config = self.root / "dovecot.conf"
        self.config.write_text(CONFIG.format(root=self.root, cert=cert, key=key, uid=nobody.pw_uid, gid=nobody.pw_gid,
                                             imaps=self.imaps, pop3s=self.pop3s))
        # It forks into the background, and its children keep what stdout and stderr were: files, not pipes.
        with open(self.root / "start.out", "wb") as out:
            result = subprocess.run(["dovecot", "-c", str(self.config)], stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=out, timeout=30)
        if result.returncode != 0:
            raise AssertionError(f"dovecot did not start: {(self.root / 'start.out').read_text()}{self.log()}")
        deadline = time.monotonic() + 20
        while not (listening(self.imaps) and listening(self.pop3s)):
            if time.monotonic() > deadline:
                raise AssertionError(f"dovecot did not listen: {self.log()}")
            time.sleep(0.1)
        self.imap_url = f"imaps://127.0.0.1:{self.imaps}/INBOX"
        self.pop3_url = f"pop3s://127.0.0.1:{self.pop3s}"
        self._counter = 0

    def deliver(self, content):
        """One mail into the user's INBOX, the Maildir way (tmp/ then new/), owned by the mail user."""
        self._counter += 1
        name = f"{time.time():.6f}.M{self._counter}P{os.getpid()}.test"
        nobody = pwd.getpwnam("nobody")
        (self.maildir / "tmp" / name).write_bytes(content)
        os.chown(self.maildir / "tmp" / name, nobody.pw_uid, nobody.pw_gid)
        os.rename(self.maildir / "tmp" / name, self.maildir / "new" / name)

    def log(self):
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        subprocess.run(["doveadm", "-c", str(self.config), "stop"], capture_output=True, timeout=30)
        deadline = time.monotonic() + 10
        while listening(self.imaps) and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
