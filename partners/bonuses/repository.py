"""All of bonus events' SQL (migration 0022): catalogue versions written and read, a member's
awards counted and recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from partners.bonuses.catalogue import Catalogue, EventType, Limit

_CATALOGUE = (
    "c.id, c.version, c.effective_from, c.created_at, c.created_by,"
    " coalesce((SELECT jsonb_agg(jsonb_build_object('code', t.code, 'name', t.name,"
    "   'points', t.points, 'limit_count', t.limit_count, 'limit_period', t.limit_period)"
    "   ORDER BY t.code) FROM bonus_event_types t WHERE t.catalogue_id = c.id), '[]') AS types"
)


def _event_type(kept: dict[str, Any]) -> EventType:
    count = kept["limit_count"]
    return EventType(
        code=kept["code"],
        name=kept["name"],
        points=int(kept["points"]),
        limit=None if count is None else Limit(int(count), kept["limit_period"]),
    )


def catalogue_of(row: dict[str, Any]) -> Catalogue:
    return Catalogue(
        id=row["id"],
        version=row["version"],
        effective_from=row["effective_from"],
        event_types=tuple(_event_type(kept) for kept in row["types"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


async def catalogue_at(conn: Conn, at: datetime) -> Catalogue | None:
    """The version in force at ``at`` (the latest start at or before it, then the highest
    version), as ``partners.versions.in_force`` picks it."""
    cur = await conn.execute(
        f"SELECT {_CATALOGUE} FROM bonus_catalogues c WHERE c.effective_from <= %s"
        " ORDER BY c.effective_from DESC, c.version DESC LIMIT 1",
        (at,),
    )
    row = await cur.fetchone()
    return None if row is None else catalogue_of(row)


async def catalogue_by_id(conn: Conn, catalogue_id: int) -> Catalogue:
    cur = await conn.execute(
        f"SELECT {_CATALOGUE} FROM bonus_catalogues c WHERE c.id = %s", (catalogue_id,)
    )
    row = await cur.fetchone()
    assert row is not None, "catalogues are never deleted"
    return catalogue_of(row)


async def catalogues(conn: Conn, *, limit: int) -> list[Catalogue]:
    """The latest versions, the latest start first (some may start later)."""
    cur = await conn.execute(
        f"SELECT {_CATALOGUE} FROM bonus_catalogues c"
        " ORDER BY c.effective_from DESC, c.version DESC LIMIT %s",
        (limit,),
    )
    return [catalogue_of(row) for row in await cur.fetchall()]


async def insert_catalogue(
    conn: Conn,
    event_types: Sequence[EventType],
    *,
    effective_from: datetime,
    actor: str,
    now: datetime,
) -> Catalogue:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('bonus_catalogues', 0))")
    cur = await conn.execute(
        "INSERT INTO bonus_catalogues (version, effective_from, created_at, created_by)"
        " SELECT coalesce(max(version), 0) + 1, %s, %s, %s FROM bonus_catalogues RETURNING id",
        (effective_from, now, actor),
    )
    row = await cur.fetchone()
    assert row is not None
    async with conn.cursor() as many:
        await many.executemany(
            "INSERT INTO bonus_event_types (catalogue_id, code, name, points, limit_count,"
            " limit_period) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    row["id"],
                    kind.code,
                    kind.name,
                    kind.points,
                    None if kind.limit is None else kind.limit.count,
                    None if kind.limit is None else kind.limit.period,
                )
                for kind in event_types
            ],
        )
    return await catalogue_by_id(conn, row["id"])


async def awarded(
    conn: Conn, member_id: int, event_type: str, start: datetime | None, end: datetime | None
) -> int:
    """Awards of the type the member had in [start, end) (None: unbounded)."""
    cur = await conn.execute(
        "SELECT count(*) AS awards FROM bonus_awards WHERE member_id = %s AND event_type = %s"
        " AND (%s::timestamptz IS NULL OR awarded_at >= %s)"
        " AND (%s::timestamptz IS NULL OR awarded_at < %s)",
        (member_id, event_type, start, start, end, end),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["awards"])


async def reference_used(conn: Conn, member_id: int, event_type: str, reference: str) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM bonus_awards WHERE member_id = %s AND event_type = %s AND reference = %s",
        (member_id, event_type, reference),
    )
    return await cur.fetchone() is not None


async def record_award(
    conn: Conn,
    *,
    entry_id: int,
    member_id: int,
    partner_id: int,
    event_type: EventType,
    reference: str,
    catalogue_id: int,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO bonus_awards (entry_id, member_id, partner_id, event_type, reference,"
        " catalogue_id, points, awarded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            entry_id,
            member_id,
            partner_id,
            event_type.code,
            reference,
            catalogue_id,
            event_type.points,
            at,
        ),
    )
