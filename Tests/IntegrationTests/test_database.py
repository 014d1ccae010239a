"""`[database]` against a private PostgreSQL cluster (Debian's postgresql, started by the test): `herald migrate`
applies the schema once, says "up to date" after, serializes hosts migrating together under its advisory lock,
reports a refused login without the password; `herald run` refuses a [database] it cannot yet keep its queue in
rather than ignoring it."""
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from herald_harness import file_channel

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from postgres_cluster import PostgresCluster  # noqa: E402


@pytest.fixture
def cluster():
    started = PostgresCluster()
    yield started
    started.stop()


def database_table(cluster, password_file):
    return {"url": cluster.url, "password_file": str(password_file), "tls": "disable"}


def test_migrate_applies_once_under_its_lock(make_daemon, cluster, herald_bin, tmp_path):
    password = tmp_path / "db-password"
    password.write_text(cluster.password + "\n")
    daemon = make_daemon([file_channel(tmp_path / "out")])
    daemon.config.write_text(daemon.config.read_text() + "[database]\n" + "".join(
        f'{k} = "{v}"\n' for k, v in database_table(cluster, password).items()))

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: daemon.cli("migrate"), range(3)))
    assert all(r.returncode == 0 for r in results), [(r.stdout, r.stderr) for r in results]
    assert sum("applied 1" in r.stdout for r in results) == 1, [r.stdout for r in results]
    assert sum("up to date" in r.stdout for r in results) == 2, [r.stdout for r in results]
    assert cluster.psql("SELECT version, name FROM herald_migration", database="herald") == "1|queue"
    assert cluster.psql("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('message', 'herald_host')",
                        database="herald") == "2"
    assert "up to date (version 1)" in daemon.cli("migrate").stdout

    run = subprocess.run([herald_bin, "run", "--config", str(daemon.config)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 78 and "does not yet keep the queue" in run.stderr, (run.returncode, run.stderr)

    password.write_text("not-the-password\n")
    refused = daemon.cli("migrate")
    assert refused.returncode == 1 and "not-the-password" not in refused.stderr + refused.stdout, refused
    assert "password authentication failed" in refused.stderr and "28P01" in refused.stderr, refused.stderr


def test_migrate_without_a_database_says_so(make_daemon, tmp_path):
    daemon = make_daemon([file_channel(tmp_path / "out")])
    result = daemon.cli("migrate")
    assert result.returncode == 78 and "has no [database]" in result.stderr, result
