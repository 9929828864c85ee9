"""Campaigns in the database (migration 0019): reading them, and what they gave so far.

``snapshot`` reads the generation first and then every version, so a version added in
between makes the earn refuse the snapshot (``CAMPAIGNS_CHANGED``) rather than miss it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from partners.campaigns.limits import Used
from partners.campaigns.terms import (
    Campaign,
    Chance,
    Funder,
    Kind,
    Limits,
    MemberView,
    Segment,
    Targets,
    Terms,
    Version,
)
from partners.errors import PartnerNotFound

_CAMPAIGN = "c.id, c.code, c.promo_code, c.seed_sha256, c.created_at"
_VERSION = (
    "v.id AS version_id, v.version, v.effective_from, v.name, v.kind, v.factor, v.points,"
    " v.chance_wins, v.chance_out_of, v.starts_at, v.ends_at, v.partner_ids, v.categories,"
    " v.tiers, v.segment_id, v.minimum_spend, v.funder, v.points_total, v.points_per_member,"
    " v.uses_total, v.uses_per_member, v.control_percent, v.created_at AS version_created_at"
)
SEGMENT = "id, code, name, enrolled_from, enrolled_until"


@dataclass(frozen=True)
class Snapshot:
    """Every campaign version, as one process caches them."""

    generation: int
    versions: tuple[Version, ...] = ()
    seeds: dict[int, bytes] | None = None
    segments: dict[int, Segment] | None = None


def campaign_of(row: dict[str, Any]) -> Campaign:
    return Campaign(
        id=row["id"],
        code=row["code"],
        promo_code=row["promo_code"],
        seed_sha256=row["seed_sha256"],
        created_at=row["created_at"],
    )


def terms_of(row: dict[str, Any]) -> Terms:
    chance = None
    if row["chance_wins"] is not None:
        chance = Chance(row["chance_wins"], row["chance_out_of"])
    return Terms(
        name=row["name"],
        kind=Kind(row["kind"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        funder=Funder(row["funder"]),
        factor=row["factor"],
        points=row["points"],
        chance=chance,
        targets=Targets(
            partner_ids=frozenset(row["partner_ids"]),
            categories=tuple(row["categories"]),
            tiers=tuple(row["tiers"]),
            segment_id=row["segment_id"],
        ),
        minimum_spend=row["minimum_spend"],
        limits=Limits(
            points_total=row["points_total"],
            points_per_member=row["points_per_member"],
            uses_total=row["uses_total"],
            uses_per_member=row["uses_per_member"],
        ),
        control_percent=Decimal(row["control_percent"]),
    )


def version_of(row: dict[str, Any]) -> Version:
    return Version(
        id=row["version_id"],
        campaign=campaign_of(row),
        version=row["version"],
        effective_from=row["effective_from"],
        terms=terms_of(row),
        created_at=row["version_created_at"],
    )


def segment_of(row: dict[str, Any]) -> Segment:
    return Segment(**row)


async def generation(conn: Conn) -> int:
    cur = await conn.execute("SELECT generation FROM campaign_generation")
    row = await cur.fetchone()
    assert row is not None
    found: int = row["generation"]
    return found


async def versions(conn: Conn, campaign_ids: Sequence[int] | None = None) -> list[Version]:
    """Versions of the campaigns (None: of all), by campaign, the latest version first."""
    cur = await conn.execute(
        f"SELECT {_CAMPAIGN}, {_VERSION} FROM campaigns c"
        " JOIN campaign_versions v ON v.campaign_id = c.id"
        " WHERE %(ids)s::bigint[] IS NULL OR c.id = ANY(%(ids)s)"
        " ORDER BY c.id, v.version DESC",
        {"ids": None if campaign_ids is None else list(campaign_ids)},
    )
    return [version_of(row) for row in await cur.fetchall()]


async def snapshot(conn: Conn) -> Snapshot:
    """The generation, then every version, seed and segment (see the module's docstring)."""
    current = await generation(conn)
    found = await versions(conn)
    cur = await conn.execute("SELECT id, seed FROM campaigns")
    seeds = {row["id"]: bytes(row["seed"]) for row in await cur.fetchall()}
    cur = await conn.execute(f"SELECT {SEGMENT} FROM campaign_segments")
    segments = {row["id"]: segment_of(row) for row in await cur.fetchall()}
    return Snapshot(current, tuple(found), seeds, segments)


async def campaign_by_code(conn: Conn, code: str, *, lock: bool = False) -> Campaign | None:
    cur = await conn.execute(
        f"SELECT {_CAMPAIGN} FROM campaigns c WHERE c.code = %s{' FOR UPDATE' if lock else ''}",
        (code.strip().upper(),),
    )
    row = await cur.fetchone()
    return None if row is None else campaign_of(row)


async def seed(conn: Conn, campaign_id: int) -> bytes:
    cur = await conn.execute("SELECT seed FROM campaigns WHERE id = %s", (campaign_id,))
    row = await cur.fetchone()
    assert row is not None
    return bytes(row["seed"])


async def used(conn: Conn, campaign_ids: Sequence[int], member_id: int) -> dict[int, Used]:
    """What each campaign gave so far, in all (counted only with a total limit) and to the
    member."""
    cur = await conn.execute(
        "SELECT b.campaign_id, b.points_given, b.uses, coalesce(m.points, 0) AS member_points,"
        " coalesce(m.uses, 0) AS member_uses FROM campaign_budgets b"
        " LEFT JOIN campaign_members m ON m.campaign_id = b.campaign_id AND m.member_id = %s"
        " WHERE b.campaign_id = ANY(%s)",
        (member_id, list(campaign_ids)),
    )
    return {
        row["campaign_id"]: Used(
            row["points_given"], row["uses"], row["member_points"], row["member_uses"]
        )
        for row in await cur.fetchall()
    }


async def limits(conn: Conn, campaign_ids: Sequence[int]) -> dict[int, Limits]:
    """The limits the earns count against (the latest version's), by campaign."""
    cur = await conn.execute(
        "SELECT campaign_id, points_total, points_per_member, uses_total, uses_per_member"
        " FROM campaign_budgets WHERE campaign_id = ANY(%s)",
        (list(campaign_ids),),
    )
    return {row.pop("campaign_id"): Limits(**row) for row in await cur.fetchall()}


async def member_view(
    conn: Conn, member_id: int, tier: str | None, lists: Sequence[int], enrolled: bool
) -> MemberView:
    """The member as campaigns see it: the list segments of ``lists`` it is in, and when it
    enrolled (if ``enrolled``). One statement."""
    cur = await conn.execute(
        "SELECT CASE WHEN %(enrolled)s THEN (SELECT created_at FROM members WHERE id = %(m)s)"
        " END AS enrolled_at, array(SELECT segment_id FROM campaign_segment_members"
        " WHERE member_id = %(m)s AND segment_id = ANY(%(lists)s)) AS lists",
        {"m": member_id, "lists": list(lists), "enrolled": enrolled},
    )
    row = await cur.fetchone()
    assert row is not None
    return MemberView(member_id, tier, row["enrolled_at"], frozenset(row["lists"]))


async def partner_ids(conn: Conn, codes: Sequence[str]) -> frozenset[int]:
    """The partners of these codes, or the first code that names none."""
    cur = await conn.execute(
        "SELECT id, code FROM partners WHERE code = ANY(%s)", ([c.strip() for c in codes],)
    )
    found = {row["code"]: row["id"] for row in await cur.fetchall()}
    for index, code in enumerate(codes):
        if code.strip() not in found:
            raise PartnerNotFound(f"no partner {code.strip()}", field=["partnerCodes", str(index)])
    return frozenset(found.values())


async def partner_codes(conn: Conn, ids: Sequence[int]) -> dict[int, str]:
    cur = await conn.execute("SELECT id, code FROM partners WHERE id = ANY(%s)", (list(ids),))
    return {row["id"]: row["code"] for row in await cur.fetchall()}


async def page(conn: Conn, *, partner_id: int | None, before: int | None, limit: int) -> list[int]:
    """Campaign ids, newest first; a partner sees those some version of which targets it or
    every partner."""
    cur = await conn.execute(
        "SELECT c.id FROM campaigns c WHERE (%(before)s::bigint IS NULL OR c.id < %(before)s)"
        " AND (%(partner)s::bigint IS NULL OR EXISTS (SELECT 1 FROM campaign_versions v"
        "   WHERE v.campaign_id = c.id"
        "     AND (v.partner_ids = '{}' OR %(partner)s = ANY(v.partner_ids))))"
        " ORDER BY c.id DESC LIMIT %(limit)s",
        {"before": before, "partner": partner_id, "limit": limit},
    )
    return [row["id"] for row in await cur.fetchall()]


async def budgets(conn: Conn, campaign_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Points given and uses, by campaign (counted while it has a total limit)."""
    cur = await conn.execute(
        "SELECT campaign_id, points_given, uses FROM campaign_budgets WHERE campaign_id = ANY(%s)",
        (list(campaign_ids),),
    )
    return {row["campaign_id"]: (row["points_given"], row["uses"]) for row in await cur.fetchall()}
