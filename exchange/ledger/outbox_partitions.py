"""The outbox's monthly partitions (migration 0026): made ahead, and old ones archived.

``outbox_events`` is partitioned by ``created_at``, a partition a month in the schema
``outbox_parts`` (``outbox_events_2026_11``) plus a default partition for anything no month
holds. The worker, daily:

- creates the partitions of this month and the next ``AHEAD`` ones, so that events never land
  in the default partition (a month whose range the default partition already holds rows of
  is left alone: creating it would have to move them, and they are a clock moved by hand);
- archives each month that ended more than the retention ago, once nothing can still need it
  online: every event of it fanned out (its transaction ids below the fan-out's horizon) and
  none of its deliveries still due. Archiving detaches the partition and moves it to the
  schema ``outbox_archive``: its rows stay readable there (``pg_dump -n outbox_archive``),
  the online table gets smaller, and no row is deleted. An archived event is no longer
  listed by ``webhookEvents`` nor replayed.

Detaching takes a brief exclusive lock of ``outbox_events`` (every earn and burn inserts into
it), so it waits at most ``LOCK_TIMEOUT`` and otherwise is tried again at the next run.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from psycopg import errors, sql

from exchange.kit import clock
from exchange.kit.db import Conn, Pool, transaction

logger = logging.getLogger("exchange.outbox")

PARTS = "outbox_parts"
ARCHIVE = "outbox_archive"
AHEAD = 2
"""Months made ahead of the current one."""
LOCK_TIMEOUT = "2s"
DAILY = timedelta(days=1)
NAME = re.compile(r"^outbox_events_(\d{4})_(\d{2})$")
LOCK = 0x6F7574626F78  # "outbox": one maintenance at a time, whichever worker runs it


@dataclass(frozen=True)
class Maintenance:
    created: list[str]
    archived: list[str]
    kept: list[str]
    """Months old enough to archive that something still needs online (or whose lock
    was not had in time)."""


def month_of(at: datetime) -> date:
    utc = at.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"outbox_events_{month:%Y_%m}"


def _bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end_month = add_months(month, 1)
    return start, datetime(end_month.year, end_month.month, 1, tzinfo=UTC)


async def online_months(conn: Conn) -> list[date]:
    cur = await conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'outbox_events'::regclass"
    )
    found = []
    for row in await cur.fetchall():
        match = NAME.match(row["relname"])
        if match:
            found.append(date(int(match.group(1)), int(match.group(2)), 1))
    return sorted(found)


async def ensure_months(conn: Conn, now: datetime, *, ahead: int = AHEAD) -> list[str]:
    """Create this month's partition and the next ``ahead``; returns those created."""
    have = set(await online_months(conn))
    created = []
    for offset in range(ahead + 1):
        month = add_months(month_of(now), offset)
        if month in have:
            continue
        start, end = _bounds(month)
        cur = await conn.execute(
            f"SELECT 1 FROM {PARTS}.outbox_events_default"
            " WHERE created_at >= %s AND created_at < %s LIMIT 1",
            (start, end),
        )
        if await cur.fetchone() is not None:
            logger.warning("outbox: the default partition holds %s events; not creating it", month)
            continue
        await conn.execute(
            sql.SQL(
                "CREATE TABLE {} PARTITION OF outbox_events FOR VALUES FROM ({}) TO ({})"
            ).format(
                sql.Identifier(PARTS, partition_name(month)), sql.Literal(start), sql.Literal(end)
            )
        )
        created.append(partition_name(month))
    return created


async def _still_needed(conn: Conn, name: str) -> bool:
    """An event of this partition not yet fanned out, or a delivery of it still due."""
    table = sql.Identifier(PARTS, name)
    cur = await conn.execute(
        sql.SQL(
            "SELECT EXISTS (SELECT 1 FROM {} o, webhook_fanout_state s"
            " WHERE s.id = 1 AND o.xid >= s.last_xmin)"
            " OR EXISTS (SELECT 1 FROM {} o JOIN webhook_deliveries d ON d.outbox_id = o.id"
            " WHERE d.status IN ('PENDING', 'DELIVERING')) AS needed"
        ).format(table, table)
    )
    row = await cur.fetchone()
    return bool(row and row["needed"])


async def archive_month(conn: Conn, name: str) -> bool:
    """Detach one month into the archive schema, in the caller's transaction; False when
    something still needs it or the table's lock was not had within LOCK_TIMEOUT."""
    if await _still_needed(conn, name):
        return False
    await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        async with conn.transaction():  # a savepoint: a lock not had leaves the caller's open
            await conn.execute(
                sql.SQL("ALTER TABLE outbox_events DETACH PARTITION {}").format(
                    sql.Identifier(PARTS, name)
                )
            )
    except errors.LockNotAvailable:
        return False
    await conn.execute(
        sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
            sql.Identifier(PARTS, name), sql.Identifier(ARCHIVE)
        )
    )
    return True


async def _alone(conn: Conn) -> bool:
    cur = await conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS mine", (LOCK,))
    row = await cur.fetchone()
    return bool(row and row["mine"])


async def maintain(pool: Pool, *, now: datetime, retention: timedelta) -> Maintenance:
    """Make the coming months, archive the months that ended before ``now - retention``.
    Another maintenance running at the same time: this one does nothing."""
    async with transaction(pool) as conn:
        if not await _alone(conn):
            return Maintenance([], [], [])
        created = await ensure_months(conn, now)
        months = await online_months(conn)
    archived: list[str] = []
    kept: list[str] = []
    for month in months:
        if _bounds(month)[1] > now - retention:
            continue
        name = partition_name(month)
        async with transaction(pool) as conn:
            done = await _alone(conn) and await archive_month(conn, name)
        (archived if done else kept).append(name)
    return Maintenance(created, archived, kept)


async def maintain_daily(
    pool: Pool, retention: timedelta, stop: asyncio.Event, *, every: timedelta = DAILY
) -> None:
    """``exchange worker``: at start and then every ``every`` until ``stop``. Several workers
    may run it: a partition made or detached by one is simply not there for the other."""
    while not stop.is_set():
        try:
            done = await maintain(pool, now=clock.now(), retention=retention)
            logger.info(
                "outbox: created %s, archived %s, kept %s", done.created, done.archived, done.kept
            )
        except Exception:
            logger.exception("outbox maintenance failed; trying again at the next run")
        try:
            await asyncio.wait_for(stop.wait(), every.total_seconds())
        except TimeoutError:
            continue
