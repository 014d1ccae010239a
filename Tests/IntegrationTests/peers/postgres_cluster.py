"""A private PostgreSQL cluster for the tests (Debian's postgresql package): `initdb` in a temporary directory
owned by the `postgres` user (initdb refuses root), `pg_ctl start` on a loopback port with a socket directory of
its own, a password-authenticated role and database for Herald, and `pg_ctl stop -m fast` afterwards. Nothing of
the system's clusters is read or touched."""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from herald_harness import free_port


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise AssertionError(f"{name} not found: apt-get install postgresql (make test-deps does)")
    return path


class PostgresCluster:
    def __init__(self, database="herald", user="herald", password="herald-test-password"):
        postgres = pwd.getpwnam("postgres")
        self.root = Path(tempfile.mkdtemp(prefix="herald-postgres-"))
        os.chmod(self.root, 0o755)
        self.data = self.root / "data"
        self.sockets = self.root / "run"
        self.logs = self.root / "log"
        for path in (self.data, self.sockets, self.logs):
            path.mkdir()
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        self.port = free_port()
        self.database, self.user, self.password = database, user, password
        self._as_postgres([_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                           "-E", "UTF8", "--locale=C.UTF-8"])
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.sockets}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n")
        (self.data / "pg_hba.conf").write_text("local all postgres trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        log = self.logs / "postgres.log"
        self._as_postgres([_bin("pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", "-t", "60", "start"])
        self.psql(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE {database} OWNER {user}")
        self.url = f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, command):
        result = subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True,
                                timeout=120, cwd="/")
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)}: {result.stdout}{result.stderr}{self.log()}")
        return result.stdout

    def psql(self, sql, database="postgres"):
        """Runs SQL as the superuser over the private socket; returns the unaligned, tuples-only output."""
        return self._as_postgres([_bin("psql"), "-h", str(self.sockets), "-p", str(self.port), "-U", "postgres",
                                  "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql]).strip()

    def listen(self, channel, seconds, database="herald"):
        """A psql session that LISTENs on `channel` for `seconds` (started now, in the background); read its
        output with `.communicate()` once it has ended: psql prints each notification it received."""
        return subprocess.Popen(["runuser", "-u", "postgres", "--", _bin("psql"), "-h", str(self.sockets), "-p",
                                 str(self.port), "-U", "postgres", "-d", database, "-c", f"LISTEN {channel}",
                                 "-c", f"SELECT pg_sleep({seconds})"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd="/")

    def log(self):
        path = self.logs / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", _bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                        "stop"], capture_output=True, timeout=60, cwd="/")
        shutil.rmtree(self.root, ignore_errors=True)
