"""All of the tiers' and memberships' SQL (migration 0013). The upgrade at an earn is the
database's own (``tiers_after_earns``); here: ladders and catalogues written and read, a
member's tier row, memberships and qualifying points read, and announcements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from partners.tiers.checks import NewLadder
from partners.tiers.ladders import Ladder, Level
from partners.tiers.plans import Catalogue, Membership, Plan

_LADDER = (
    "l.id, l.version, l.effective_from, l.window_days, l.review_every_days, l.grace_days,"
    " coalesce((SELECT jsonb_agg(jsonb_build_object('name', t.name, 'threshold', t.threshold,"
    "   'multiplier', t.multiplier::text, 'benefits', t.benefits, 'rank', t.rank)"
    "   ORDER BY t.rank) FROM tier_levels t WHERE t.ladder_id = l.id), '[]') AS levels"
)
_CATALOGUE = (
    "c.id, c.version, c.effective_from,"
    " coalesce((SELECT jsonb_agg(jsonb_build_object('code', p.code, 'name', p.name,"
    "   'tier', p.tier, 'multiplier', p.multiplier::text, 'term_days', p.term_days,"
    "   'price', p.price::text, 'currency', p.currency) ORDER BY p.code)"
    "   FROM membership_plans p WHERE p.catalogue_id = c.id), '[]') AS plans"
)
_MEMBERSHIP = "id, member_id, plan_code, plan_name, tier, multiplier, starts_at, ends_at"


@dataclass(frozen=True)
class TierRow:
    """What ``member_tiers`` holds of a member (all None when it has no row)."""

    tier: str | None = None
    review_at: datetime | None = None
    shown: str | None = None
    shown_until: datetime | None = None


def _level(kept: dict[str, Any]) -> Level:
    return Level(
        name=kept["name"],
        threshold=int(kept["threshold"]),
        multiplier=Decimal(kept["multiplier"]),
        benefits=kept["benefits"],
        rank=int(kept["rank"]),
    )


def ladder_of(row: dict[str, Any]) -> Ladder:
    return Ladder(
        id=row["id"],
        version=row["version"],
        effective_from=row["effective_from"],
        levels=tuple(_level(level) for level in row["levels"]),
        window_days=row["window_days"],
        review_every_days=row["review_every_days"],
        grace_days=row["grace_days"],
    )


def _plan(kept: dict[str, Any]) -> Plan:
    multiplier = kept["multiplier"]
    return Plan(
        code=kept["code"],
        name=kept["name"],
        term_days=int(kept["term_days"]),
        price=Decimal(kept["price"]),
        currency=kept["currency"],
        tier=kept["tier"],
        multiplier=None if multiplier is None else Decimal(multiplier),
    )


def catalogue_of(row: dict[str, Any]) -> Catalogue:
    return Catalogue(
        id=row["id"],
        version=row["version"],
        effective_from=row["effective_from"],
        plans=tuple(_plan(plan) for plan in row["plans"]),
    )


async def ladder_at(conn: Conn, at: datetime) -> Ladder | None:
    cur = await conn.execute(
        f"SELECT {_LADDER} FROM tier_ladder_at(%s) l WHERE l.id IS NOT NULL", (at,)
    )
    row = await cur.fetchone()
    return None if row is None else ladder_of(row)


async def ladders(conn: Conn) -> list[Ladder]:
    """Every version, the latest first."""
    cur = await conn.execute(f"SELECT {_LADDER} FROM tier_ladders l ORDER BY l.version DESC")
    return [ladder_of(row) for row in await cur.fetchall()]


async def insert_ladder(
    conn: Conn, new: NewLadder, *, effective_from: datetime, actor: str, now: datetime
) -> Ladder:
    """The next version (versions are numbered one after the other: writers take turns)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('tier_ladders', 0))")
    cur = await conn.execute(
        "INSERT INTO tier_ladders (version, effective_from, window_days, review_every_days,"
        " grace_days, created_at, created_by)"
        " SELECT coalesce(max(version), 0) + 1, %s, %s, %s, %s, %s, %s FROM tier_ladders"
        " RETURNING id",
        (effective_from, new.window_days, new.review_every_days, new.grace_days, now, actor),
    )
    row = await cur.fetchone()
    assert row is not None
    async with conn.cursor() as many:
        await many.executemany(
            "INSERT INTO tier_levels (ladder_id, rank, name, threshold, multiplier, benefits)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (row["id"], rank, level.name, level.threshold, level.multiplier, level.benefits)
                for rank, level in enumerate(new.levels, start=1)
            ],
        )
    return await ladder_by_id(conn, row["id"])


async def ladder_by_id(conn: Conn, ladder_id: int) -> Ladder:
    cur = await conn.execute(f"SELECT {_LADDER} FROM tier_ladders l WHERE l.id = %s", (ladder_id,))
    row = await cur.fetchone()
    assert row is not None, "ladders are never deleted"
    return ladder_of(row)


async def catalogue_at(conn: Conn, at: datetime) -> Catalogue | None:
    cur = await conn.execute(
        f"SELECT {_CATALOGUE} FROM membership_catalogues c WHERE c.effective_from <= %s"
        " ORDER BY c.effective_from DESC, c.version DESC LIMIT 1",
        (at,),
    )
    row = await cur.fetchone()
    return None if row is None else catalogue_of(row)


async def catalogue_by_id(conn: Conn, catalogue_id: int) -> Catalogue:
    cur = await conn.execute(
        f"SELECT {_CATALOGUE} FROM membership_catalogues c WHERE c.id = %s", (catalogue_id,)
    )
    row = await cur.fetchone()
    assert row is not None, "catalogues are never deleted"
    return catalogue_of(row)


async def insert_catalogue(
    conn: Conn,
    plans: Sequence[Plan],
    *,
    effective_from: datetime,
    actor: str,
    now: datetime,
) -> Catalogue:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('membership_catalogues', 0))")
    cur = await conn.execute(
        "INSERT INTO membership_catalogues (version, effective_from, created_at, created_by)"
        " SELECT coalesce(max(version), 0) + 1, %s, %s, %s FROM membership_catalogues"
        " RETURNING id",
        (effective_from, now, actor),
    )
    row = await cur.fetchone()
    assert row is not None
    async with conn.cursor() as many:
        await many.executemany(
            "INSERT INTO membership_plans (catalogue_id, code, name, tier, multiplier,"
            " term_days, price, currency) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (row["id"], p.code, p.name, p.tier, p.multiplier, p.term_days, p.price, p.currency)
                for p in plans
            ],
        )
    return await catalogue_by_id(conn, row["id"])


async def tier_rows(conn: Conn, member_ids: Sequence[int]) -> dict[int, TierRow]:
    cur = await conn.execute(
        "SELECT member_id, tier, review_at, shown, shown_until FROM member_tiers"
        " WHERE member_id = ANY(%s)",
        (list(member_ids),),
    )
    return {
        row["member_id"]: TierRow(row["tier"], row["review_at"], row["shown"], row["shown_until"])
        for row in await cur.fetchall()
    }


async def memberships_of(
    conn: Conn, member_ids: Sequence[int], *, ending_after: datetime
) -> dict[int, list[Membership]]:
    """The members' memberships that end after the instant (running or still to come)."""
    cur = await conn.execute(
        f"SELECT {_MEMBERSHIP} FROM memberships WHERE member_id = ANY(%s) AND ends_at > %s"
        " ORDER BY member_id, starts_at, id",
        (list(member_ids), ending_after),
    )
    found: dict[int, list[Membership]] = {member_id: [] for member_id in member_ids}
    for row in await cur.fetchall():
        found[row["member_id"]].append(Membership(**row))
    return found


async def qualifying_points(
    conn: Conn,
    member_ids: Sequence[int],
    *,
    as_of: datetime,
    window_days: int,
    posted_by: datetime | None = None,
) -> dict[int, int]:
    cur = await conn.execute(
        "SELECT m AS member_id, tier_qualifying_points(m, %s, %s, %s) AS points"
        " FROM unnest(%s::bigint[]) AS m",
        (as_of, window_days, posted_by, list(member_ids)),
    )
    return {row["member_id"]: int(row["points"]) for row in await cur.fetchall()}


async def announce(
    conn: Conn, member_ids: Sequence[int], *, reason: str, effective_at: datetime, now: datetime
) -> int:
    """``member.tier_changed`` for each member whose applying tier is not the one last
    announced (the caller holds the members' locks); how many were sent."""
    cur = await conn.execute(
        "SELECT count(*) FILTER (WHERE tier_announce(m, %s, %s, %s)) AS sent"
        " FROM unnest(%s::bigint[]) AS m",
        (reason, effective_at, now, list(member_ids)),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["sent"])


def _membership(kept: dict[str, Any]) -> Membership:
    multiplier = kept["multiplier"]
    return Membership(
        id=kept["id"],
        member_id=kept["member_id"],
        plan_code=kept["plan_code"],
        plan_name=kept["plan_name"],
        tier=kept["tier"],
        multiplier=None if multiplier is None else Decimal(str(multiplier)),
        starts_at=datetime.fromisoformat(kept["starts_at"]),
        ends_at=datetime.fromisoformat(kept["ends_at"]),
    )


async def earn_state(
    conn: Conn, member_id: int, at: datetime
) -> tuple[Ladder | None, TierRow, list[Membership]]:
    """In one round trip: the ladder in force at ``at``, the member's tier row and its
    memberships running at ``at``."""
    cur = await conn.execute(
        f"SELECT (SELECT to_jsonb(x) FROM (SELECT {_LADDER} FROM tier_ladder_at(%(at)s) l"
        "          WHERE l.id IS NOT NULL) x) AS ladder,"
        " t.tier, t.review_at, t.shown,"
        " (SELECT coalesce(jsonb_agg(to_jsonb(m) ORDER BY m.starts_at, m.id), '[]') FROM"
        f"   (SELECT {_MEMBERSHIP} FROM memberships WHERE member_id = %(member)s"
        "      AND starts_at <= %(at)s AND ends_at > %(at)s) m) AS memberships"
        " FROM (SELECT 1) one LEFT JOIN member_tiers t ON t.member_id = %(member)s",
        {"at": at, "member": member_id},
    )
    row = await cur.fetchone()
    assert row is not None
    kept = row["ladder"]
    ladder = None
    if kept is not None:
        ladder = ladder_of(
            {**kept, "effective_from": datetime.fromisoformat(kept["effective_from"])}
        )
    tier = TierRow(row["tier"], row["review_at"], row["shown"])
    return ladder, tier, [_membership(m) for m in row["memberships"]]


async def has_program(conn: Conn) -> bool:
    """Whether any ladder or membership catalogue was ever set."""
    cur = await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM tier_ladders)"
        " OR EXISTS (SELECT 1 FROM membership_catalogues) AS found"
    )
    row = await cur.fetchone()
    return bool(row and row["found"])


@dataclass(frozen=True)
class Sold:
    """A membership as sold: what it grants and what the partner owes for it."""

    membership: Membership
    partner_id: int
    catalogue_version: int
    price: Decimal
    currency: str
    sold_at: datetime


_SOLD = (
    "m.id, m.member_id, m.plan_code, m.plan_name, m.tier, m.multiplier, m.starts_at,"
    " m.ends_at, m.partner_id, c.version AS catalogue_version, m.price, m.currency, m.sold_at"
)


def _sold(row: dict[str, Any]) -> Sold:
    fields = {name: row[name] for name in _MEMBERSHIP.split(", ")}
    return Sold(
        membership=Membership(**fields),
        partner_id=row["partner_id"],
        catalogue_version=row["catalogue_version"],
        price=row["price"],
        currency=row["currency"],
        sold_at=row["sold_at"],
    )


async def insert_membership(
    conn: Conn,
    *,
    member_id: int,
    partner_id: int,
    catalogue_id: int,
    plan: Plan,
    term: tuple[datetime, datetime],
    actor: str,
    now: datetime,
) -> int:
    cur = await conn.execute(
        "INSERT INTO memberships (member_id, partner_id, catalogue_id, plan_code, plan_name,"
        " tier, multiplier, starts_at, ends_at, price, currency, sold_at, posted_at, created_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            member_id,
            partner_id,
            catalogue_id,
            plan.code,
            plan.name,
            plan.tier,
            plan.multiplier,
            *term,
            plan.price,
            plan.currency,
            now,
            now,
            actor,
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


async def sold(
    conn: Conn,
    *,
    ids: Sequence[int] = (),
    member_id: int | None = None,
    ending_after: datetime | None = None,
    limit: int = 100,
) -> list[Sold]:
    """Memberships by id, or a member's (those ending after ``ending_after``), newest first."""
    cur = await conn.execute(
        f"SELECT {_SOLD} FROM memberships m JOIN membership_catalogues c ON c.id = m.catalogue_id"
        " WHERE (m.id = ANY(%s) OR m.member_id = %s)"
        " AND (%s::timestamptz IS NULL OR m.ends_at > %s) ORDER BY m.id DESC LIMIT %s",
        (list(ids), member_id, ending_after, ending_after, limit),
    )
    return [_sold(row) for row in await cur.fetchall()]
