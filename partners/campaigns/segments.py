"""Member segments a campaign may target (admin): a named list of members, or the members
enrolled in a date range [enrolledFrom, enrolledUntil). A segment's definition never
changes; members are added to and removed from a list at once for every earn that follows
(an earn reads the member's lists when a campaign at hand targets one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from psycopg.errors import UniqueViolation

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.ledger.errors import MemberNotFound
from partners.campaigns import checks
from partners.campaigns.errors import SegmentNotFound
from partners.campaigns.store import SEGMENT, segment_of
from partners.campaigns.terms import Segment
from partners.campaigns.writing import CampaignExists

MAX_MEMBERS = 10_000
"""Members added or removed in one call."""


async def create(
    conn: Conn,
    code: str,
    name: str,
    *,
    enrolled: tuple[datetime | None, datetime | None] | None,
    actor: str,
    now: datetime,
) -> Segment:
    """A list segment (``enrolled`` None) or an enrolment segment."""
    code = checks.code(code, "code")
    start, end = enrolled or (None, None)
    if enrolled is not None and start is None and end is None:
        raise InvalidInput("give enrolledFrom, enrolledUntil or both", field=["enrolledFrom"])
    if start is not None and end is not None and end <= start:
        raise InvalidInput("enrolledUntil is after enrolledFrom", field=["enrolledUntil"])
    try:
        async with conn.transaction():
            cur = await conn.execute(
                "INSERT INTO campaign_segments (code, name, kind, enrolled_from, enrolled_until,"
                f" created_at, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {SEGMENT}",
                (
                    code,
                    checks.name(name),
                    "LIST" if enrolled is None else "ENROLLED",
                    start,
                    end,
                    now,
                    actor,
                ),
            )
    except UniqueViolation:
        raise CampaignExists(f"a segment {code} exists", field=["code"]) from None
    row = await cur.fetchone()
    assert row is not None
    return segment_of(row)


async def by_code(conn: Conn, code: str, field: str = "segmentCode") -> Segment:
    cur = await conn.execute(
        f"SELECT {SEGMENT} FROM campaign_segments WHERE code = %s", (code.strip().upper(),)
    )
    row = await cur.fetchone()
    if row is None:
        raise SegmentNotFound(f"no segment {code.strip().upper()}", field=[field])
    return segment_of(row)


async def all_segments(conn: Conn) -> list[Segment]:
    cur = await conn.execute(f"SELECT {SEGMENT} FROM campaign_segments ORDER BY code")
    return [segment_of(row) for row in await cur.fetchall()]


async def _list(conn: Conn, code: str, member_ids: Sequence[int]) -> Segment:
    segment = await by_code(conn, code, "code")
    if not segment.is_list:
        raise InvalidInput(
            f"segment {segment.code} is an enrolment range, not a list", field=["code"]
        )
    if not 0 < len(member_ids) <= MAX_MEMBERS:
        raise InvalidInput(f"give 1 to {MAX_MEMBERS} members", field=["memberIds"])
    return segment


async def add_members(conn: Conn, code: str, member_ids: Sequence[int], now: datetime) -> int:
    """Add members to a list segment; returns how many were not in it yet."""
    segment = await _list(conn, code, member_ids)
    cur = await conn.execute(
        "SELECT array(SELECT unnest(%s::bigint[]) EXCEPT SELECT id FROM members) AS missing",
        (list(member_ids),),
    )
    row = await cur.fetchone()
    assert row is not None
    if row["missing"]:
        raise MemberNotFound(f"no member with id {row['missing'][0]}", field=["memberIds"])
    cur = await conn.execute(
        "INSERT INTO campaign_segment_members (member_id, segment_id, added_at)"
        " SELECT DISTINCT unnest(%s::bigint[]), %s, %s ON CONFLICT DO NOTHING",
        (list(member_ids), segment.id, now),
    )
    return cur.rowcount


async def remove_members(conn: Conn, code: str, member_ids: Sequence[int]) -> int:
    """Take members out of a list segment; returns how many were in it."""
    segment = await _list(conn, code, member_ids)
    cur = await conn.execute(
        "DELETE FROM campaign_segment_members WHERE segment_id = %s AND member_id = ANY(%s)",
        (segment.id, list(member_ids)),
    )
    return cur.rowcount


async def size(conn: Conn, segment_id: int) -> int:
    cur = await conn.execute(
        "SELECT count(*) AS n FROM campaign_segment_members WHERE segment_id = %s", (segment_id,)
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])
