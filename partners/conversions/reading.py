"""Conversions as their member, their partner and staff read them: one by id, or a page of a
member's or a partner's, newest first (keyset on the id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from partners.conversions import store
from partners.conversions.rules import Direction, Way, in_force

_COLUMNS = (
    "v.id, v.quote_id, v.member_id, v.partner_id, p.name AS partner_name, v.direction,"
    " v.points, round(v.amount, c.decimals) AS amount, v.rate, c.code AS currency,"
    " c.name AS currency_name, v.program_account, v.status, v.hold_id, v.entry_id,"
    " v.requested_at, v.confirm_by, v.finalized_at, v.partner_reference, v.decline_reason"
)
_FROM = (
    " FROM conversions v JOIN program_currencies c ON c.id = v.currency_id"
    " JOIN partners p ON p.id = v.partner_id"
)


@dataclass(frozen=True)
class Conversion:
    id: int
    quote_id: int
    member_id: int
    partner_id: int
    partner_name: str
    direction: Direction
    points: int
    amount: Decimal
    """In the currency, at its decimals."""
    rate: Decimal
    currency: str
    currency_name: str
    program_account: str | None
    status: str
    """PENDING (out, until the partner confirms), COMPLETED, DECLINED or EXPIRED."""
    hold_id: int | None
    entry_id: int | None
    """The EARN (in) or, once confirmed, the BURN (out)."""
    requested_at: datetime
    confirm_by: datetime | None
    finalized_at: datetime | None
    partner_reference: str | None
    decline_reason: str | None


def _conversion(row: dict[str, Any]) -> Conversion:
    return Conversion(**{**row, "direction": Direction(row["direction"])})


async def by_ids(
    conn: Conn, ids: list[int], *, partner_id: int | None, member_id: int | None
) -> dict[int, Conversion]:
    """The conversions of those ids the caller may see (a partner its own, a member its own;
    both None: staff)."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS}{_FROM} WHERE v.id = ANY(%s)"
        " AND (%s::bigint IS NULL OR v.partner_id = %s)"
        " AND (%s::bigint IS NULL OR v.member_id = %s)",
        (ids, partner_id, partner_id, member_id, member_id),
    )
    return {row["id"]: _conversion(row) for row in await cur.fetchall()}


async def page(
    conn: Conn,
    *,
    partner_id: int | None,
    member_id: int | None,
    status: str | None = None,
    before_id: int | None = None,
    first: int = 20,
) -> tuple[list[Conversion], bool]:
    """Up to ``first`` conversions older than ``before_id``, newest first, and whether more
    follow: one member's, one partner's, or (both None) all."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS}{_FROM}"
        " WHERE (%(partner)s::bigint IS NULL OR v.partner_id = %(partner)s)"
        " AND (%(member)s::bigint IS NULL OR v.member_id = %(member)s)"
        " AND (%(status)s::text IS NULL OR v.status = %(status)s)"
        " AND (%(before)s::bigint IS NULL OR v.id < %(before)s)"
        " ORDER BY v.id DESC LIMIT %(limit)s",
        {
            "partner": partner_id,
            "member": member_id,
            "status": status,
            "before": before_id,
            "limit": first + 1,
        },
    )
    rows = [_conversion(row) for row in await cur.fetchall()]
    return rows[:first], len(rows) > first


@dataclass(frozen=True)
class Offer:
    """A program currency with the rules in force now: what a member may convert."""

    code: str
    name: str
    partner_name: str
    decimals: int
    into: Way
    out: Way


async def offers(conn: Conn, *, now: datetime) -> list[Offer]:
    """The currencies of active partners that offer a way now, by name."""
    found = await store.currencies(conn)
    versions = await store.versions_of(conn, [currency.id for currency in found])
    cur = await conn.execute(
        "SELECT id, name FROM partners WHERE status = 'ACTIVE' AND id = ANY(%s)",
        ([currency.partner_id for currency in found],),
    )
    partners = {row["id"]: row["name"] for row in await cur.fetchall()}
    listed = []
    for currency in found:
        rules = in_force(versions[currency.id], now)
        if rules is None or currency.partner_id not in partners:
            continue
        if rules.terms.into.offered or rules.terms.out.offered:
            listed.append(
                Offer(
                    code=currency.code,
                    name=currency.name,
                    partner_name=partners[currency.partner_id],
                    decimals=currency.decimals,
                    into=rules.terms.into,
                    out=rules.terms.out,
                )
            )
    return sorted(listed, key=lambda offer: (offer.name, offer.code))
