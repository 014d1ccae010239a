"""What the `[database]` tests share: a private PostgreSQL cluster per test (`peers/postgres_cluster.py`) and a
daemon's config pointed at it."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from postgres_cluster import PostgresCluster  # noqa: E402


@pytest.fixture
def cluster():
    started = PostgresCluster()
    yield started
    started.stop()


@pytest.fixture
def password(cluster, tmp_path):
    """The cluster's password in a file, as `password_file` reads it."""
    path = tmp_path / "db-password"
    path.write_text(cluster.password + "\n")
    return path


def database_table(cluster, password_file):
    return {"url": cluster.url, "password_file": str(password_file), "tls": "disable"}


def with_database(daemon, cluster, password, host_name, lease="5s"):
    """Appends a `[database]` table naming this host to the daemon's config; returns the daemon."""
    table = database_table(cluster, password) | {"host_name": host_name, "lease": lease}
    daemon.config.write_text(daemon.config.read_text() + "[database]\n" + "".join(f'{k} = "{v}"\n' for k, v in table.items()))
    return daemon
