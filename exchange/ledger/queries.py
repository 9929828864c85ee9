"""Reads: member balances, transactions and holds, always scoped to what the caller may see.

``partner_id`` None means staff (admin/finance), who see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn

MAX_PAGE = 100


@dataclass(frozen=True)
class MemberSummary:
    id: int
    status: str
    email: str | None
    phone: str | None
    card_number: str | None
    external_id: str | None
    balance: int
    held: int
    debt: int
    pending: int
    spendable: int
    created_at: datetime

    @property
    def available(self) -> int:
        return max(0, self.spendable - self.held - self.debt)


@dataclass(frozen=True)
class Transaction:
    id: int
    kind: str
    member_id: int
    partner_id: int | None
    points: int
    order_id: str | None
    reason: str
    occurred_at: datetime
    posted_at: datetime
    original_entry_id: int | None
    hold_id: int | None
    currency: str | None
    amount: Decimal | None
    undone_points: int
    """Points reversed (of an earn) or refunded (of a burn) so far."""

    @property
    def status(self) -> str:
        if self.kind not in ("EARN", "BONUS", "BURN") or self.undone_points == 0:
            return "POSTED"
        word = "REFUNDED" if self.kind == "BURN" else "REVERSED"
        return word if self.undone_points >= self.points else f"PARTIALLY_{word}"


@dataclass(frozen=True)
class HoldView:
    id: int
    member_id: int
    partner_id: int
    points: int
    captured_points: int
    status: str
    order_id: str | None
    created_at: datetime
    expires_at: datetime
    finalized_at: datetime | None
    capture_entry_id: int | None

    def status_at(self, now: datetime) -> str:
        """An AUTHORIZED hold past its time is EXPIRED, even before the sweeper releases it."""
        if self.status == "AUTHORIZED" and self.expires_at <= now:
            return "EXPIRED"
        return self.status


async def member_summaries(
    conn: Conn, member_ids: list[int], *, partner_id: int | None, now: datetime
) -> dict[int, MemberSummary]:
    """Members by id (those the partner was shown), with balances split by availability."""
    cur = await conn.execute(
        "SELECT m.id, m.status, m.email, m.phone, m.card_number, l.external_id, m.created_at,"
        " b.balance, b.held, b.debt,"
        " coalesce(sum(lot.remaining) FILTER (WHERE lot.available_at > %(now)s), 0) AS pending,"
        " coalesce(sum(lot.remaining) FILTER (WHERE lot.available_at <= %(now)s"
        "   AND (lot.expires_at IS NULL OR lot.expires_at > %(now)s)), 0) AS spendable"
        " FROM members m JOIN member_balances b ON b.member_id = m.id"
        " LEFT JOIN member_partner_links l ON l.member_id = m.id AND l.partner_id = %(partner)s"
        " LEFT JOIN lots lot ON lot.member_id = m.id AND lot.remaining > 0"
        " WHERE m.id = ANY(%(ids)s) AND (%(partner)s::bigint IS NULL OR l.partner_id IS NOT NULL)"
        " GROUP BY m.id, b.member_id, l.external_id",
        {"ids": member_ids, "partner": partner_id, "now": now},
    )
    return {row["id"]: MemberSummary(**row) for row in await cur.fetchall()}


async def expiring_points(
    conn: Conn, member_id: int, *, until: datetime, now: datetime
) -> list[tuple[datetime, int]]:
    """Spendable points by expiry instant, up to ``until``."""
    cur = await conn.execute(
        "SELECT expires_at, sum(remaining) AS points FROM lots"
        " WHERE member_id = %s AND remaining > 0 AND available_at <= %s"
        " AND expires_at > %s AND expires_at <= %s GROUP BY expires_at ORDER BY expires_at",
        (member_id, now, now, until),
    )
    return [(row["expires_at"], int(row["points"])) for row in await cur.fetchall()]


_TRANSACTION_COLUMNS = (
    "e.id, e.kind, e.member_id, e.partner_id, e.points, e.order_id, e.reason, e.occurred_at,"
    " e.posted_at, e.original_entry_id, e.hold_id, e.currency, e.amount,"
    " coalesce((SELECT sum(u.points) FROM journal_entries u WHERE u.original_entry_id = e.id"
    "   AND u.kind IN ('EARN_REVERSAL', 'BURN_REFUND')), 0)::bigint AS undone_points"
)


async def transactions_by_id(
    conn: Conn, ids: list[int], *, partner_id: int | None
) -> dict[int, Transaction]:
    cur = await conn.execute(
        f"SELECT {_TRANSACTION_COLUMNS} FROM journal_entries e"
        " WHERE e.id = ANY(%s) AND (%s::bigint IS NULL OR e.partner_id = %s)",
        (ids, partner_id, partner_id),
    )
    return {row["id"]: Transaction(**row) for row in await cur.fetchall()}


async def transactions_page(
    conn: Conn,
    *,
    partner_id: int | None,
    member_id: int | None,
    since: datetime | None,
    before_id: int | None,
    first: int,
) -> tuple[list[Transaction], bool]:
    """Newest first, keyset-paginated by id; returns the page and whether more follow."""
    conditions = ["TRUE"]
    params: dict[str, Any] = {"limit": min(first, MAX_PAGE) + 1}
    for column, value in (("partner_id", partner_id), ("member_id", member_id)):
        if value is not None:
            conditions.append(f"e.{column} = %({column})s")
            params[column] = value
    if since is not None:
        conditions.append("e.posted_at >= %(since)s")
        params["since"] = since
    if before_id is not None:
        conditions.append("e.id < %(before)s")
        params["before"] = before_id
    cur = await conn.execute(
        f"SELECT {_TRANSACTION_COLUMNS} FROM journal_entries e"
        f" WHERE {' AND '.join(conditions)} ORDER BY e.id DESC LIMIT %(limit)s",
        params,
    )
    rows = [Transaction(**row) for row in await cur.fetchall()]
    return rows[: min(first, MAX_PAGE)], len(rows) > min(first, MAX_PAGE)


async def holds_by_id(conn: Conn, ids: list[int], *, partner_id: int | None) -> dict[int, HoldView]:
    cur = await conn.execute(
        "SELECT id, member_id, partner_id, points, captured_points, status, order_id, created_at,"
        " expires_at, finalized_at, capture_entry_id FROM holds"
        " WHERE id = ANY(%s) AND (%s::bigint IS NULL OR partner_id = %s)",
        (ids, partner_id, partner_id),
    )
    return {row["id"]: HoldView(**row) for row in await cur.fetchall()}


@dataclass(frozen=True)
class EntryDetails:
    """What an entry keeps of how it was computed (an earn: its calculation)."""

    id: int
    details: dict[str, Any] | None
    amount: Decimal | None
    currency: str | None


async def details_by_id(conn: Conn, ids: list[int]) -> dict[int, EntryDetails]:
    """Entries' details, by id: for entries the caller was already allowed to see."""
    cur = await conn.execute(
        "SELECT id, details, amount, currency FROM journal_entries WHERE id = ANY(%s)", (ids,)
    )
    return {row["id"]: EntryDetails(**row) for row in await cur.fetchall()}
