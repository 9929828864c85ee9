"""The dashboard's figures: balances, their value in money, points expiring soon, and the
member's tier with the way to the next one (once the program has tiers).

The value of the balance: the available points times the redemption value a point has now
at each active partner (what the partner is paid per point redeemed there), rounded down to
the currency's minor unit so the page never promises more than a till gives. Partners pay
different amounts per point, so it is a range: from the partner that pays least to the one
that pays most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from exchange.kit.db import Conn
from exchange.kit.money import MINOR_UNITS
from exchange.ledger import queries
from exchange.portal.directory import Listing, listings
from partners.tiers import progress

SOON = (30, 90)
"""Days ahead for which the dashboard totals the points that will expire."""


@dataclass(frozen=True)
class Worth:
    low: Decimal
    high: Decimal
    currency: str
    best_partner: str
    """The partner where the points are worth ``high``."""


@dataclass(frozen=True)
class TierProgress:
    """A member's tier and the way to the next one (``partners.tiers.progress``)."""

    name: str
    multiplier: Decimal
    qualifying_points: int
    next_name: str | None
    next_threshold: int | None

    @property
    def share(self) -> Decimal:
        """How far to the next tier, 0 to 1."""
        if not self.next_threshold:
            return Decimal(1)
        return min(Decimal(1), Decimal(self.qualifying_points) / Decimal(self.next_threshold))


@dataclass(frozen=True)
class Overview:
    summary: queries.MemberSummary
    expiring: dict[int, int]
    """Points that expire within 30 and 90 days (spendable now, not yet expired)."""
    worth: Worth | None
    tier: TierProgress | None


def floor_to_minor(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)), rounding=ROUND_DOWN)


def worth_of(points: int, partners: list[Listing]) -> Worth | None:
    priced = [p for p in partners if p.redemption_value is not None and p.currency is not None]
    if not priced:
        return None
    low = min(priced, key=lambda p: p.redemption_value or 0)
    high = max(priced, key=lambda p: p.redemption_value or 0)
    currency = high.currency or ""
    return Worth(
        low=floor_to_minor(points * (low.redemption_value or Decimal(0)), currency),
        high=floor_to_minor(points * (high.redemption_value or Decimal(0)), currency),
        currency=currency,
        best_partner=high.name,
    )


async def expiring_soon(conn: Conn, member_id: int, now: datetime) -> dict[int, int]:
    filters = ", ".join(
        f"coalesce(sum(remaining) FILTER (WHERE expires_at <= %(now)s + interval '{days} days'),"
        f" 0)::bigint AS d{days}"
        for days in SOON
    )
    cur = await conn.execute(
        f"SELECT {filters} FROM lots WHERE member_id = %(member)s AND remaining > 0"
        " AND available_at <= %(now)s AND expires_at > %(now)s"
        f" AND expires_at <= %(now)s + interval '{max(SOON)} days'",
        {"member": member_id, "now": now},
    )
    row = await cur.fetchone()
    assert row is not None
    return {days: int(row[f"d{days}"]) for days in SOON}


async def tier_progress(conn: Conn, member_id: int, now: datetime) -> TierProgress | None:
    """The tier that applies to the member now and its qualifying points; None while the
    program has no tiers (or the member none), and the dashboard leaves the section out."""
    found = await progress.tier_progress(conn, member_id, now)
    if found is None:
        return None
    level, after = found.standing.level, found.next_tier
    return TierProgress(
        name=level.name,
        multiplier=level.multiplier,
        qualifying_points=found.qualifying_points,
        next_name=None if after is None else after.name,
        next_threshold=None if after is None else after.threshold,
    )


async def overview(conn: Conn, member_id: int, *, now: datetime) -> Overview | None:
    summaries = await queries.member_summaries(conn, [member_id], partner_id=None, now=now)
    summary = summaries.get(member_id)
    if summary is None:
        return None
    return Overview(
        summary=summary,
        expiring=await expiring_soon(conn, member_id, now),
        worth=worth_of(summary.available, await listings(conn, now=now)),
        tier=await tier_progress(conn, member_id, now),
    )
