"""All of referrals' SQL (migration 0023): program versions, codes, referrals and what they
paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from partners.referrals.program import Program, Terms

_PROGRAM = (
    "id, version, effective_from, referrer_points, referred_points, minimum_points, validity_days"
)


def _program(row: dict[str, Any]) -> Program:
    return Program(
        id=row["id"],
        version=row["version"],
        effective_from=row["effective_from"],
        terms=Terms(
            referrer_points=int(row["referrer_points"]),
            referred_points=int(row["referred_points"]),
            minimum_points=int(row["minimum_points"]),
            validity_days=row["validity_days"],
        ),
    )


async def program_at(conn: Conn, at: datetime) -> Program | None:
    cur = await conn.execute(
        f"SELECT {_PROGRAM} FROM referral_programs WHERE effective_from <= %s"
        " ORDER BY effective_from DESC, version DESC LIMIT 1",
        (at,),
    )
    row = await cur.fetchone()
    return None if row is None else _program(row)


async def program_by_id(conn: Conn, program_id: int) -> Program:
    cur = await conn.execute(
        f"SELECT {_PROGRAM} FROM referral_programs WHERE id = %s", (program_id,)
    )
    row = await cur.fetchone()
    assert row is not None, "programs are never deleted"
    return _program(row)


async def programs(conn: Conn, *, limit: int) -> list[Program]:
    """The latest versions, the latest start first (some may start later)."""
    cur = await conn.execute(
        f"SELECT {_PROGRAM} FROM referral_programs"
        " ORDER BY effective_from DESC, version DESC LIMIT %s",
        (limit,),
    )
    return [_program(row) for row in await cur.fetchall()]


async def insert_program(
    conn: Conn, terms: Terms, *, effective_from: datetime, actor: str, now: datetime
) -> Program:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('referral_programs', 0))")
    cur = await conn.execute(
        f"INSERT INTO referral_programs (version, effective_from, referrer_points,"
        " referred_points, minimum_points, validity_days, created_at, created_by)"
        " SELECT coalesce(max(version), 0) + 1, %s, %s, %s, %s, %s, %s, %s"
        f" FROM referral_programs RETURNING {_PROGRAM}",
        (
            effective_from,
            terms.referrer_points,
            terms.referred_points,
            terms.minimum_points,
            terms.validity_days,
            now,
            actor,
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    return _program(row)


async def code_of(conn: Conn, member_id: int) -> str | None:
    cur = await conn.execute(
        "SELECT code FROM member_referral_codes WHERE member_id = %s", (member_id,)
    )
    row = await cur.fetchone()
    return None if row is None else str(row["code"])


@dataclass(frozen=True)
class Referrer:
    member_id: int
    email: str | None


async def active_referrer(conn: Conn, code: str) -> Referrer | None:
    """The active member whose code this is (locked against a concurrent close: shared)."""
    cur = await conn.execute(
        "SELECT m.id, m.email FROM member_referral_codes c"
        " JOIN members m ON m.id = c.member_id"
        " WHERE c.code = %s AND m.status = 'ACTIVE' FOR SHARE OF m",
        (code,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return Referrer(row["id"], row["email"])


async def insert_referral(
    conn: Conn,
    *,
    referred_member_id: int,
    referrer_member_id: int,
    code: str,
    partner_id: int | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO referrals (member_id, referrer_member_id, code,"
        " enrolled_by_partner_id, created_at) VALUES (%s, %s, %s, %s, %s)",
        (referred_member_id, referrer_member_id, code, partner_id, now),
    )


async def qualified(conn: Conn, *, limit: int) -> list[int]:
    """Referred members whose referral qualified and is not paid yet, the oldest first."""
    cur = await conn.execute(
        "SELECT member_id FROM referrals WHERE status = 'QUALIFIED' ORDER BY qualified_at LIMIT %s",
        (limit,),
    )
    return [int(row["member_id"]) for row in await cur.fetchall()]


async def pay(conn: Conn, referred_member_id: int, now: datetime) -> int | None:
    """Pay one qualified referral (``referral_pay``): the points paid, None if another
    transaction pays it or it was paid."""
    cur = await conn.execute("SELECT referral_pay(%s, %s) AS paid", (referred_member_id, now))
    row = await cur.fetchone()
    assert row is not None
    return None if row["paid"] is None else int(row["paid"])


@dataclass(frozen=True)
class Standing:
    """A member's referrals: how many joined with its code, how many of them completed (both
    paid), and the points its referrals paid it."""

    joined: int
    completed: int
    points: int


async def standing(conn: Conn, member_id: int) -> Standing:
    cur = await conn.execute(
        "SELECT count(*) AS joined, count(*) FILTER (WHERE r.status = 'COMPLETED') AS completed,"
        " coalesce(sum(e.points), 0) AS points FROM referrals r"
        " LEFT JOIN journal_entries e ON e.id = r.referrer_entry_id"
        " WHERE r.referrer_member_id = %s",
        (member_id,),
    )
    row = await cur.fetchone()
    assert row is not None
    return Standing(int(row["joined"]), int(row["completed"]), int(row["points"]))
