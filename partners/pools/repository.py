"""All of pools' SQL (migration 0024): pools and their members written and read, what a
spender spent, the spends recorded. The pool's points live on its own account (a member of
kind POOL): its balance is the ledger's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from partners.pools.checks import Membership, Spent


@dataclass(frozen=True)
class Pool:
    id: int
    account_id: int
    """The pool's own account: the member id its points live on."""
    name: str
    owner_id: int
    created_at: datetime


_POOL = "p.id, p.member_id AS account_id, p.name, p.owner_member_id AS owner_id, p.created_at"


def _pool(row: dict[str, Any]) -> Pool:
    return Pool(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        owner_id=row["owner_id"],
        created_at=row["created_at"],
    )


async def insert_pool(
    conn: Conn, *, account_id: int, name: str, owner_id: int, now: datetime
) -> Pool:
    cur = await conn.execute(
        "INSERT INTO pools (member_id, name, owner_member_id, created_at)"
        " VALUES (%s, %s, %s, %s) RETURNING id",
        (account_id, name, owner_id, now),
    )
    row = await cur.fetchone()
    assert row is not None
    await conn.execute(
        "INSERT INTO pool_members (pool_id, member_id, role, added_at)"
        " VALUES (%s, %s, 'OWNER', %s)",
        (row["id"], owner_id, now),
    )
    return Pool(row["id"], account_id, name, owner_id, now)


async def pool(conn: Conn, pool_id: int) -> Pool | None:
    cur = await conn.execute(f"SELECT {_POOL} FROM pools p WHERE p.id = %s", (pool_id,))
    row = await cur.fetchone()
    return None if row is None else _pool(row)


async def membership(
    conn: Conn, pool_id: int, member_id: int, *, share: bool = False
) -> Membership | None:
    """The member's place in the pool; ``share``: locked so that the owner's change of it waits
    for this transaction (a spend)."""
    lock = " FOR SHARE" if share else ""
    cur = await conn.execute(
        "SELECT role, daily_limit, monthly_limit FROM pool_members"
        f" WHERE pool_id = %s AND member_id = %s{lock}",
        (pool_id, member_id),
    )
    row = await cur.fetchone()
    return None if row is None else Membership(**row)


async def set_member(
    conn: Conn, pool_id: int, member_id: int, place: Membership, now: datetime
) -> None:
    """Add the member, or change its role and limits (never the owner's: the caller checks)."""
    await conn.execute(
        "INSERT INTO pool_members (pool_id, member_id, role, daily_limit, monthly_limit,"
        " added_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (pool_id, member_id) DO UPDATE"
        " SET role = EXCLUDED.role, daily_limit = EXCLUDED.daily_limit,"
        " monthly_limit = EXCLUDED.monthly_limit",
        (pool_id, member_id, place.role, place.daily_limit, place.monthly_limit, now),
    )


async def remove_member(conn: Conn, pool_id: int, member_id: int) -> bool:
    cur = await conn.execute(
        "DELETE FROM pool_members WHERE pool_id = %s AND member_id = %s AND role <> 'OWNER'"
        " RETURNING member_id",
        (pool_id, member_id),
    )
    return await cur.fetchone() is not None


@dataclass(frozen=True)
class Member:
    """One of a pool's members, as its owner reads them."""

    member_id: int
    email: str | None
    membership: Membership
    spent: Spent


async def members_of(conn: Conn, pool_id: int, *, day: datetime, month: datetime) -> list[Member]:
    """The pool's members, the owner first, then in the order they were added."""
    cur = await conn.execute(
        "SELECT pm.member_id, m.email, pm.role, pm.daily_limit, pm.monthly_limit,"
        " coalesce(sum(s.points) FILTER (WHERE s.spent_at >= %(day)s), 0)::bigint AS today,"
        " coalesce(sum(s.points), 0)::bigint AS this_month"
        " FROM pool_members pm JOIN members m ON m.id = pm.member_id"
        " LEFT JOIN pool_spends s ON s.pool_id = pm.pool_id"
        "   AND s.spender_member_id = pm.member_id AND s.spent_at >= %(month)s"
        " WHERE pm.pool_id = %(pool)s"
        " GROUP BY pm.member_id, m.email, pm.role, pm.daily_limit, pm.monthly_limit, pm.added_at"
        " ORDER BY pm.role <> 'OWNER', pm.added_at, pm.member_id",
        {"pool": pool_id, "day": day, "month": month},
    )
    return [
        Member(
            member_id=row["member_id"],
            email=row["email"],
            membership=Membership(row["role"], row["daily_limit"], row["monthly_limit"]),
            spent=Spent(int(row["today"]), int(row["this_month"])),
        )
        for row in await cur.fetchall()
    ]


async def places_of(conn: Conn, member_id: int) -> list[tuple[Pool, Membership]]:
    """The pools the member belongs to, and its place in each, the oldest pool first."""
    cur = await conn.execute(
        f"SELECT {_POOL}, pm.role, pm.daily_limit, pm.monthly_limit"
        " FROM pool_members pm JOIN pools p ON p.id = pm.pool_id"
        " WHERE pm.member_id = %s ORDER BY p.id",
        (member_id,),
    )
    return [
        (_pool(row), Membership(row["role"], row["daily_limit"], row["monthly_limit"]))
        for row in await cur.fetchall()
    ]


async def spent(
    conn: Conn, pool_id: int, member_id: int, *, day: datetime, month: datetime
) -> Spent:
    cur = await conn.execute(
        "SELECT coalesce(sum(points) FILTER (WHERE spent_at >= %(day)s), 0)::bigint AS today,"
        " coalesce(sum(points), 0)::bigint AS this_month FROM pool_spends"
        " WHERE pool_id = %(pool)s AND spender_member_id = %(member)s AND spent_at >= %(month)s",
        {"pool": pool_id, "member": member_id, "day": day, "month": month},
    )
    row = await cur.fetchone()
    assert row is not None
    return Spent(int(row["today"]), int(row["this_month"]))


async def record_spend(
    conn: Conn,
    *,
    entry_id: int,
    pool_id: int,
    spender_id: int,
    partner_id: int,
    points: int,
    at: datetime,
) -> None:
    """The spend of the burn ``entry_id`` (a replay of the burn records nothing more)."""
    await conn.execute(
        "INSERT INTO pool_spends (entry_id, pool_id, spender_member_id, partner_id, points,"
        " spent_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (entry_id) DO NOTHING",
        (entry_id, pool_id, spender_id, partner_id, points, at),
    )
