"""Database URLs, the connection pool and the transaction scope every request or job owns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

from psycopg import AsyncConnection, OperationalError
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from exchange.kit import embedded
from exchange.kit.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def sqlalchemy_url(url: str) -> str:
    """Any PostgreSQL URL (``postgres://``, ``postgresql://``) as SQLAlchemy's psycopg 3 URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://...")
    return urlunsplit(("postgresql+psycopg", *parts[1:]))


def libpq_url(url: str) -> str:
    """The same URL as libpq and psql want it."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def resolve_database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started on demand) ``exchange`` database."""
    if settings.database_url:
        return libpq_url(settings.database_url)
    uri = embedded.start(settings.data_dir)
    ensure_database(uri, "exchange")
    return with_database(uri, "exchange")


def ensure_database(server_uri: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


async def open_pool(
    url: str, *, size: int = 10, wait: bool = True
) -> AsyncConnectionPool[AsyncConnection[DictRow]]:
    """A psycopg 3 pool; the hot path speaks SQL directly, without an ORM in between.
    ``wait=False``: connect in the background (a server that may be down, as a replica)."""
    pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
        libpq_url(url),
        min_size=min(2, size),
        max_size=size,
        kwargs={"row_factory": dict_row, "autocommit": True},
        connection_class=AsyncConnection[DictRow],
        open=False,
    )
    await pool.open(wait=wait, timeout=30)
    return pool


Pool = AsyncConnectionPool[AsyncConnection[DictRow]]
Conn = AsyncConnection[DictRow]


UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03"})
"""admin_shutdown, crash_shutdown, cannot_connect_now: the server went away or is starting."""


def is_unavailable(error: BaseException | None) -> bool:
    """The database could not be reached, or the connection broke under the statement: the
    work may or may not have been committed, and the same request (with the same idempotency
    key) may safely be sent again. Deadlocks, serialization failures and cancelled statements
    are not this: they are answered by a database that is up."""
    if not isinstance(error, OperationalError):
        return False
    state = error.sqlstate
    # no SQLSTATE: the client side found the connection closed or could not open one (the
    # pool's timeout waiting for a connection is one of these)
    return state is None or state.startswith("08") or state in UNAVAILABLE_STATES


@asynccontextmanager
async def connection(pool: Pool) -> AsyncIterator[Conn]:
    """A pooled connection in autocommit: each statement is its own transaction. The ledger's
    SQL functions (one statement per business transaction) run this way, in one round trip."""
    async with pool.connection() as conn:
        yield conn


@asynccontextmanager
async def transaction(pool: Pool) -> AsyncIterator[Conn]:
    """One short database transaction: commit on success, roll back on any exception."""
    async with pool.connection() as conn, conn.transaction():
        yield conn
